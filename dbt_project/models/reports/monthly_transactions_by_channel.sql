-- Completed transactions per month and channel, amounts in USD.

select
    dates.year,
    dates.month,
    channels.channel_name,
    sum(daily.transactions) as transaction_count,
    cast(sum(daily.amount * currencies.usd_exchange_rate) as numeric(18, 2)) as total_amount
from {{ ref('daily_completed_transactions_by_channel') }} as daily
inner join {{ ref('dim_date') }} as dates
    on daily.date_id = dates.date_id
inner join {{ ref('dim_channel') }} as channels
    on daily.channel_id = channels.channel_id
inner join {{ ref('dim_currency') }} as currencies
    on daily.currency_id = currencies.currency_id
group by dates.year, dates.month, channels.channel_name
order by dates.year asc, dates.month asc, transaction_count desc, channels.channel_name asc
