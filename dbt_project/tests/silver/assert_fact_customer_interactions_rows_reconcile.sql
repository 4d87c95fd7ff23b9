-- Invariant: for every day in the window, the bronze rows of fact_customer_interactions equal the rows in stg_fact_customer_interactions plus the rows in quarantine_fact_customer_interactions (no row dropped or duplicated).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_fact_customer_interactions'}}}) }}

{{ reconcile_fact_rows('fact_customer_interactions', 'stg_fact_customer_interactions', 'quarantine_fact_customer_interactions') }}
