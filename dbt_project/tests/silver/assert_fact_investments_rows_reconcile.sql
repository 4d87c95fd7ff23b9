-- Invariant: for every day in the window, the bronze rows of fact_investments equal the rows in stg_fact_investment plus the rows in quarantine_fact_investment (no row dropped or duplicated).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_fact_investment'}}}) }}

{{ reconcile_fact_rows('fact_investments', 'stg_fact_investment', 'quarantine_fact_investment') }}
