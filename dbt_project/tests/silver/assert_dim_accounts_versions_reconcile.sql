-- Invariant: every distinct (account_id, updated_at) version in the window's bronze dim_accounts extracts is in stg_dim_account or in quarantine_dim_account, and every quarantined version came from bronze (distinct bronze versions = silver versions present + quarantined versions).
{{ config(tags=['daily'], meta={'dagster': {'ref': {'name': 'stg_dim_account'}}}) }}

{{ reconcile_extract_versions('dim_accounts', 'stg_dim_account', 'quarantine_dim_account', 'account_id') }}
