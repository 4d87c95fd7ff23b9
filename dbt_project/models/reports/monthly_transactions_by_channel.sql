-- Completed transactions per month and channel, amounts in USD.

with

transactions as (

    select * from {{ ref('fact_transaction') }}
    where transaction_status = 'Completed'

),

dates as (

    select * from {{ ref('dim_date') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

currencies as (

    select * from {{ ref('dim_currency') }}

),

final as (

    select
        dates.year,
        dates.month,
        channels.channel_name,
        count(transactions.transaction_id) as transaction_count,
        cast(sum(transactions.transaction_amount * currencies.usd_exchange_rate) as numeric(18, 2)) as total_amount
    from transactions
    inner join dates
        on transactions.date_id = dates.date_id
    inner join channels
        on transactions.channel_id = channels.channel_id
    inner join currencies
        on transactions.currency_id = currencies.currency_id
    group by dates.year, dates.month, channels.channel_name
    order by dates.year asc, dates.month asc, transaction_count desc, channels.channel_name asc

)

select * from final
