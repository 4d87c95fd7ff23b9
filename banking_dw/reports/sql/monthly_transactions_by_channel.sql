-- Completed transactions per month and channel, amounts in USD.
select
    d.year,
    d.month,
    ch.channel_name,
    count(ft.transaction_id) as transaction_count,
    sum(ft.transaction_amount * cur.usd_exchange_rate) as total_amount
from dev_gold.fact_transaction as ft
join dev_gold.dim_date as d on d.date_id = ft.date_id
join dev_gold.dim_channel as ch on ch.channel_id = ft.channel_id
join dev_gold.dim_currency as cur on cur.currency_id = ft.currency_id
where ft.transaction_status = 'Completed'
group by 1, 2, 3
order by 1, 2, 4 desc, 3
