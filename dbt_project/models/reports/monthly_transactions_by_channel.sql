-- Completed transactions per month and channel, amounts in USD.

with

daily as (

    select * from {{ ref('daily_completed_transactions_by_channel') }}

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
        sum(daily.transactions) as transaction_count,
        cast(sum(daily.amount * currencies.usd_exchange_rate) as numeric(18, 2)) as total_amount
    from daily
    inner join dates
        on daily.date_id = dates.date_id
    inner join channels
        on daily.channel_id = channels.channel_id
    inner join currencies
        on daily.currency_id = currencies.currency_id
    group by dates.year, dates.month, channels.channel_name
    order by dates.year asc, dates.month asc, transaction_count desc, channels.channel_name asc

)

select * from final
