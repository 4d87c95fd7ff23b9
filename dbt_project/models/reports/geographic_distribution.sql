-- Completed transactions by the location they happened at, amounts in USD (top 20 locations).

select
    locations.country,
    locations.state,
    locations.city,
    sum(daily.transactions) as transaction_count,
    -- Rounded to cents: engines differ in the scale (and type) they give a decimal division.
    cast(sum(daily.amount * currencies.usd_exchange_rate) as numeric(18, 2)) as total_amount,
    cast(sum(daily.amount * currencies.usd_exchange_rate) / sum(daily.transactions) as numeric(18, 2)) as avg_amount
from {{ ref('daily_completed_transactions_by_location') }} as daily
inner join {{ ref('dim_location') }} as locations
    on daily.location_id = locations.location_id
inner join {{ ref('dim_currency') }} as currencies
    on daily.currency_id = currencies.currency_id
group by locations.country, locations.state, locations.city
order by total_amount desc, locations.country asc, locations.state asc, locations.city asc
limit 20
