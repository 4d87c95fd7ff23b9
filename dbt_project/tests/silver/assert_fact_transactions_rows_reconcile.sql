-- Invariant: for every day in the window, the bronze rows of fact_transactions equal the rows in stg_fact_transaction plus the rows in quarantine_fact_transaction (no row dropped or duplicated).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_fact_transaction'}}}) }}

{{ reconcile_fact_rows('fact_transactions', 'stg_fact_transaction', 'quarantine_fact_transaction') }}
