-- Invariant: every transaction in the window points at the account and customer versions whose validity window contains its timestamp.
{{ config(tags=['daily']) }}

select
    transactions.transaction_id,
    transactions.transaction_timestamp,
    transactions.account_sk,
    transactions.customer_sk
from {{ ref('fact_transaction') }} as transactions
left join {{ ref('dim_account') }} as accounts
    on accounts.account_sk = transactions.account_sk
left join {{ ref('dim_customer') }} as customers
    on customers.customer_sk = transactions.customer_sk
where {{ window_filter('transactions.partition_date') }}
    and (
        accounts.account_sk is null
        or customers.customer_sk is null
        or accounts.account_id <> transactions.account_id
        or customers.customer_id <> transactions.customer_id
        or transactions.transaction_timestamp < accounts.valid_from
        or transactions.transaction_timestamp >= accounts.valid_to
        or transactions.transaction_timestamp < customers.valid_from
        or transactions.transaction_timestamp >= customers.valid_to
    )
