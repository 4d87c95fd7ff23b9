-- Invariant: for every day in the window, the bronze rows of fact_daily_balances equal the rows in stg_fact_daily_balances plus the rows in quarantine_fact_daily_balances (no row dropped or duplicated).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_fact_daily_balances'}}}) }}

{{ reconcile_fact_rows('fact_daily_balances', 'stg_fact_daily_balances', 'quarantine_fact_daily_balances') }}
