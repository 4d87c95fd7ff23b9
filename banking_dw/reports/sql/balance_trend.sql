-- Total and average closing balance (USD) over the last 30 days loaded.
with daily_totals as (
    select
        d.date,
        sum(fdb.closing_balance * cur.usd_exchange_rate) as total_balance,
        avg(fdb.closing_balance * cur.usd_exchange_rate) as avg_account_balance,
        count(distinct fdb.account_id) as active_accounts
    from dev_gold.fact_daily_balances as fdb
    join dev_gold.dim_date as d on d.date_id = fdb.date_id
    join dev_gold.dim_currency as cur on cur.currency_id = fdb.currency_id
    group by 1
)
select *
from daily_totals
order by date desc
limit 30
