{{ config(sort=['partition_date']) }}

-- Grain: one row per day, location and currency (partition_date, location_id, currency_id): the
-- day's Completed transactions and their amount in the account's currency, which
-- geographic_distribution sums. Incremental by window.

with

transactions as (

    select * from {{ ref('fact_transaction') }}
    where {{ window_filter('partition_date') }} and transaction_status = 'Completed'

),

final as (

    select
        partition_date,
        location_id,
        currency_id,
        count(transaction_id) as transactions,
        sum(transaction_amount) as amount
    from transactions
    group by partition_date, location_id, currency_id

)

select * from final
