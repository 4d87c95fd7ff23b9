-- Top 10 customers by Completed transaction amount (USD), identified by id, segment and the
-- pseudonym analysts' dim_customer shows for the name. The original project joined dim_customer
-- and dim_account on natural keys, which counts every transaction once per SCD2 version; the fact
-- already carries customer_id, so join only the customer's current row.

with

per_customer as (

    select
        daily.customer_id,
        sum(daily.transactions) as total_transactions,
        -- Rounded to cents: engines differ in the scale (and type) they give a decimal division.
        cast(sum(daily.amount * currencies.usd_exchange_rate) as numeric(18, 2)) as total_amount,
        cast(sum(daily.amount * currencies.usd_exchange_rate) / sum(daily.transactions) as numeric(18, 2)) as avg_transaction
    from {{ ref('daily_completed_transactions_by_customer') }} as daily
    inner join {{ ref('dim_currency') }} as currencies
        on daily.currency_id = currencies.currency_id
    group by daily.customer_id

)

select
    per_customer.customer_id,
    customers.customer_segment,
    {{ dbt.concat(['customers.first_name', "' '", 'customers.last_name']) }} as customer_name,
    per_customer.total_transactions,
    per_customer.total_amount,
    per_customer.avg_transaction
from per_customer
inner join {{ ref('dim_customer') }} as customers
    on
        per_customer.customer_id = customers.customer_id
        and customers.is_current
order by per_customer.total_amount desc, per_customer.customer_id asc
limit 10
