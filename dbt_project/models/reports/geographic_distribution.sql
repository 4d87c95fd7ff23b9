-- Completed transactions by the location they happened at, amounts in USD (top 20 locations).

with

transactions as (

    select * from {{ ref('fact_transaction') }}
    where transaction_status = 'Completed'

),

locations as (

    select * from {{ ref('dim_location') }}

),

currencies as (

    select * from {{ ref('dim_currency') }}

),

final as (

    select
        locations.country,
        locations.state,
        locations.city,
        count(transactions.transaction_id) as transaction_count,
        -- Rounded to cents: engines differ in the scale (and type) they give a decimal's avg().
        cast(sum(transactions.transaction_amount * currencies.usd_exchange_rate) as numeric(18, 2)) as total_amount,
        cast(avg(transactions.transaction_amount * currencies.usd_exchange_rate) as numeric(18, 2)) as avg_amount
    from transactions
    inner join locations
        on transactions.location_id = locations.location_id
    inner join currencies
        on transactions.currency_id = currencies.currency_id
    group by locations.country, locations.state, locations.city
    order by total_amount desc, locations.country asc, locations.state asc, locations.city asc
    limit 20

)

select * from final
