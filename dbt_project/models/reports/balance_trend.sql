-- Total and average closing balance (USD) over the last 30 days loaded.

select
    dates.date,
    -- Rounded to cents: engines differ in the scale (and type) they give a decimal division.
    cast(sum(daily.closing_balance * currencies.usd_exchange_rate) as numeric(18, 2)) as total_balance,
    cast(sum(daily.closing_balance * currencies.usd_exchange_rate) / sum(daily.balances) as numeric(18, 2)) as avg_account_balance,
    sum(daily.accounts) as active_accounts
from {{ ref('daily_closing_balances_by_currency') }} as daily
inner join {{ ref('dim_date') }} as dates
    on daily.date_id = dates.date_id
inner join {{ ref('dim_currency') }} as currencies
    on daily.currency_id = currencies.currency_id
group by dates.date
order by dates.date desc
limit 30
