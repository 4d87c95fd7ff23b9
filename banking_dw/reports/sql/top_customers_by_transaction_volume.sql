-- Top 10 customers by Completed transaction amount (USD). The seed joined dim_customer and
-- dim_account on natural keys, which counts every transaction once per SCD2 version; the fact
-- already carries customer_id, so join only the customer's current row (for today's name).
select
    c.customer_id,
    c.first_name || ' ' || c.last_name as customer_name,
    count(ft.transaction_id) as total_transactions,
    sum(ft.transaction_amount * cur.usd_exchange_rate) as total_amount,
    avg(ft.transaction_amount * cur.usd_exchange_rate) as avg_transaction
from dev_gold.fact_transaction as ft
join dev_gold.dim_customer as c
    on c.customer_id = ft.customer_id and c.is_current
join dev_gold.dim_currency as cur
    on cur.currency_id = ft.currency_id
where ft.transaction_status = 'Completed'
group by 1, 2
order by total_amount desc, c.customer_id
limit 10
