-- Invariant: every distinct (customer_id, updated_at) version in the window's bronze dim_customers extracts is in stg_dim_customer or in quarantine_dim_customer, and every quarantined version came from bronze (distinct bronze versions = silver versions present + quarantined versions).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_dim_customer'}}}) }}

{{ reconcile_extract_versions('dim_customers', 'stg_dim_customer', 'quarantine_dim_customer', 'customer_id') }}
