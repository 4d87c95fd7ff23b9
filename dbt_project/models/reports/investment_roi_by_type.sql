-- Return on investment per investment type, amounts in USD (an account's currency never changes,
-- so its current row gives it).

with

in_usd as (

    select
        investment_types.investment_type_name,
        investments.investment_id,
        investments.investment_amount * currencies.usd_exchange_rate as invested_usd,
        investments.investment_return * currencies.usd_exchange_rate as return_usd
    from {{ ref('fact_investment') }} as investments
    inner join {{ ref('dim_investment_type') }} as investment_types
        on investments.investment_type_id = investment_types.investment_type_id
    inner join {{ ref('dim_account') }} as accounts
        on
            investments.account_id = accounts.account_id
            and accounts.is_current
    inner join {{ ref('dim_currency') }} as currencies
        on accounts.currency_id = currencies.currency_id

)

select
    investment_type_name,
    count(investment_id) as total_investments,
    cast(sum(invested_usd) as numeric(18, 2)) as total_invested,
    cast(sum(return_usd) as numeric(18, 2)) as total_return,
    round(100.0 * sum(return_usd) / nullif(sum(invested_usd), 0), 2) as roi_percentage
from in_usd
group by investment_type_name
order by roi_percentage desc, investment_type_name asc
