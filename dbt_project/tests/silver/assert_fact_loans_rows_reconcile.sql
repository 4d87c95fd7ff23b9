-- Invariant: for every day in the window, the bronze rows of fact_loans equal the rows in stg_fact_loan plus the rows in quarantine_fact_loan (no row dropped or duplicated).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_fact_loan'}}}) }}

{{ reconcile_fact_rows('fact_loans', 'stg_fact_loan', 'quarantine_fact_loan') }}
