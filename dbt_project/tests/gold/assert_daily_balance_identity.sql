-- Invariant: for every account and day in the window, closing_balance = opening_balance + total_credits - total_debits.
{{ config(tags=['daily']) }}

select
    account_id,
    date_id,
    opening_balance,
    total_credits,
    total_debits,
    closing_balance
from {{ ref('fact_daily_balances') }}
where {{ window_filter('partition_date') }}
    and closing_balance <> opening_balance + total_credits - total_debits
