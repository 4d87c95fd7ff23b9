{{ config(sort=['partition_date']) }}

-- Grain: one row per day and currency (partition_date, currency_id): the accounts with a balance
-- that day, their balance rows and the sum of their closing balances in that currency, with the day's date_id, which
-- balance_trend converts and sums. Incremental by window.

select
    partition_date,
    date_id,
    currency_id,
    count(distinct account_id) as accounts,
    count(*) as balances,
    sum(closing_balance) as closing_balance
from {{ ref('fact_daily_balances') }}
where {{ window_filter('partition_date') }}
group by partition_date, date_id, currency_id
