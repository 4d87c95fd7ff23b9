-- Invariant: an account's opening_balance on a day in the window equals its closing_balance on the previous day, wherever the previous day is loaded, unless the quarantine explains either day (a transaction or balance row of the account that day was quarantined).
{{ config(meta={'dagster': {'ref': {'name': 'fact_daily_balances'}}}) }}

with balances as (
    select
        account_id,
        partition_date,
        opening_balance,
        closing_balance
    from {{ ref('fact_daily_balances') }}
),

today as (
    select * from balances
    where {{ window_filter('partition_date') }}
),

-- The previous day of each of the window's days, not all history: the test costs its window.
yesterday as (
    select * from balances
    where {{ window_filter_days_before('partition_date', 1) }}
),

explained as (
    {{ quarantined_account_days() }}
)

select
    today.account_id,
    today.partition_date,
    today.opening_balance,
    yesterday.closing_balance as previous_closing_balance
from today
inner join yesterday
    on
        today.account_id = yesterday.account_id
        and yesterday.partition_date = cast({{ dbt.dateadd('day', -1, 'today.partition_date') }} as date)
where
    today.opening_balance <> yesterday.closing_balance
    and not {{ is_explained('explained', 'today.account_id', 'today.partition_date') }}
    and not {{ is_explained('explained', 'yesterday.account_id', 'yesterday.partition_date') }}
