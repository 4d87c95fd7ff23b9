{{ config(dist='account_id', sort=['partition_date']) }}

-- Grain: one row per transaction (transaction_id). Carries the natural ids and the surrogate keys
-- of the account and customer versions valid at transaction_timestamp (valid_from <= ts < valid_to);
-- customer_id comes from that account version. Incremental by window (the folder's pre-hook deletes
-- the window's days, then they are inserted again).

with

transactions as (

    select * from {{ ref('stg_fact_transaction') }}
    where {{ window_filter('partition_date') }}

),

accounts as (

    select
        account_sk,
        account_id,
        customer_id,
        valid_from,
        valid_to
    from {{ ref('dim_account') }}

),

customers as (

    select
        customer_sk,
        customer_id,
        valid_from,
        valid_to
    from {{ ref('dim_customer') }}

),

final as (

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
    from transactions
    left join accounts
        on
            transactions.account_id = accounts.account_id
            and {{ version_valid_at('accounts', 'transactions.transaction_timestamp') }}
    left join customers
        on
            accounts.customer_id = customers.customer_id
            and {{ version_valid_at('customers', 'transactions.transaction_timestamp') }}

)

select * from final
