{{ config(dist='account_id', sort=['partition_date']) }}

-- Grain: one row per transaction (transaction_id). Carries the natural ids and the surrogate keys
-- of the account and customer versions valid at transaction_timestamp (valid_from <= ts < valid_to);
-- customer_id comes from that account version. Windowed: a build writes the window's days, and
-- its publish replaces them (macros/publish/candidates.sql).

select
    transactions.transaction_id,
    transactions.account_id,
    accounts.customer_id,
    transactions.date_id,
    transactions.transaction_timestamp,
    transactions.channel_id,
    transactions.location_id,
    transactions.currency_id,
    transactions.transaction_type_id,
    transactions.transaction_amount,
    transactions.transaction_status,
    {{ masked_column('fact_transactions', 'description', 'transactions.description') }} as description,
    accounts.account_sk,
    customers.customer_sk,
    transactions.partition_date
from {{ ref('stg_fact_transaction') }} as transactions
{{ join_version_valid_at('dim_account', 'accounts', 'account_id', 'transactions.account_id', 'transactions.transaction_timestamp') }}
{{ join_version_valid_at('dim_customer', 'customers', 'customer_id', 'accounts.customer_id', 'transactions.transaction_timestamp') }}
where {{ window_filter('transactions.partition_date') }}
