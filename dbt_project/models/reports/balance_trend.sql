-- Total and average closing balance (USD) over the last 30 days loaded.

with

balances as (

    select * from {{ ref('fact_daily_balances') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

currencies as (

    select * from {{ ref('dim_currency') }}

),

daily_totals as (

    select
        dates.date,
        -- Rounded to cents: engines differ in the scale (and type) they give a decimal's avg().
        cast(sum(balances.closing_balance * currencies.usd_exchange_rate) as numeric(18, 2)) as total_balance,
        cast(avg(balances.closing_balance * currencies.usd_exchange_rate) as numeric(18, 2)) as avg_account_balance,
        count(distinct balances.account_id) as active_accounts
    from balances
    inner join dates
        on balances.date_id = dates.date_id
    inner join currencies
        on balances.currency_id = currencies.currency_id
    group by dates.date

),

final as (

    select * from daily_totals
    order by date desc
    limit 30

)

select * from final
