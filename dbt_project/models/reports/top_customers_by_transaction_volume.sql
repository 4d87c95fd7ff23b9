-- Top 10 customers by Completed transaction amount (USD), identified by id, segment and the
-- pseudonym analysts' dim_customer shows for the name. The original project joined dim_customer
-- and dim_account on natural keys, which counts every transaction once per SCD2 version; the fact
-- already carries customer_id, so join only the customer's current row.

with

daily as (

    select * from {{ ref('daily_completed_transactions_by_customer') }}

),

customers as (

    select * from {{ ref('dim_customer') }}
    where is_current

),

currencies as (

    select * from {{ ref('dim_currency') }}

),

in_usd as (

    select
        daily.customer_id,
        daily.transactions,
        daily.amount * currencies.usd_exchange_rate as amount_usd
    from daily
    inner join currencies
        on daily.currency_id = currencies.currency_id

),

per_customer as (

    select
        customer_id,
        sum(transactions) as total_transactions,
        -- Rounded to cents: engines differ in the scale (and type) they give a decimal division.
        cast(sum(amount_usd) as numeric(18, 2)) as total_amount,
        cast(sum(amount_usd) / sum(transactions) as numeric(18, 2)) as avg_transaction
    from in_usd
    group by customer_id

),

final as (

    select
        per_customer.customer_id,
        customers.customer_segment,
        {{ dbt.concat(['customers.first_name', "' '", 'customers.last_name']) }} as customer_name,
        per_customer.total_transactions,
        per_customer.total_amount,
        per_customer.avg_transaction
    from per_customer
    inner join customers
        on per_customer.customer_id = customers.customer_id
    order by per_customer.total_amount desc, per_customer.customer_id asc
    limit 10

)

select * from final
