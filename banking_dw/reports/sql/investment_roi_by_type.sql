-- Return on investment per investment type, amounts in USD (an account's currency never changes,
-- so its current row gives it).
select
    it.investment_type_name,
    count(fi.investment_id) as total_investments,
    sum(fi.investment_amount * cur.usd_exchange_rate) as total_invested,
    sum(fi.investment_return * cur.usd_exchange_rate) as total_return,
    round(
        100.0 * sum(fi.investment_return * cur.usd_exchange_rate)
        / nullif(sum(fi.investment_amount * cur.usd_exchange_rate), 0),
        2
    ) as roi_percentage
from dev_gold.fact_investment as fi
join dev_gold.dim_investment_type as it on it.investment_type_id = fi.investment_type_id
join dev_gold.dim_account as a on a.account_id = fi.account_id and a.is_current
join dev_gold.dim_currency as cur on cur.currency_id = a.currency_id
group by 1
order by roi_percentage desc, 1
