-- Completed transactions by the location they happened at, amounts in USD.
select
    l.country,
    l.state,
    l.city,
    count(ft.transaction_id) as transaction_count,
    sum(ft.transaction_amount * cur.usd_exchange_rate) as total_amount,
    avg(ft.transaction_amount * cur.usd_exchange_rate) as avg_amount
from dev_gold.fact_transaction as ft
join dev_gold.dim_location as l on l.location_id = ft.location_id
join dev_gold.dim_currency as cur on cur.currency_id = ft.currency_id
where ft.transaction_status = 'Completed'
group by 1, 2, 3
order by total_amount desc, 1, 2, 3
limit 20
