-- Invariant: every transaction in the window whose account_sk / customer_sk is set points at the account and customer versions whose validity window contains its timestamp (a null key is not_null_unless_quarantined's to judge).
{{ config(meta={'dagster': {'ref': {'name': 'fact_transaction'}}}) }}

select
    transactions.transaction_id,
    transactions.transaction_timestamp,
    transactions.account_sk,
    transactions.customer_sk
from {{ ref('fact_transaction') }} as transactions
left join {{ ref('dim_account') }} as accounts
    on transactions.account_sk = accounts.account_sk
left join {{ ref('dim_customer') }} as customers
    on transactions.customer_sk = customers.customer_sk
where
    {{ window_filter('transactions.partition_date') }}
    and (
        (
            transactions.account_sk is not null
            and (
                accounts.account_sk is null
                or accounts.account_id <> transactions.account_id
                or transactions.transaction_timestamp < accounts.valid_from
                or transactions.transaction_timestamp >= accounts.valid_to
            )
        )
        or (
            transactions.customer_sk is not null
            and (
                customers.customer_sk is null
                or customers.customer_id <> transactions.customer_id
                or transactions.transaction_timestamp < customers.valid_from
                or transactions.transaction_timestamp >= customers.valid_to
            )
        )
    )
