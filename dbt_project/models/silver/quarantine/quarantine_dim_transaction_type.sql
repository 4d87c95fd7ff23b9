-- Grain: one row per bronze row of dim_transaction_types that breaks a rule (per extract day, dt): its raw
-- text columns, dt and quarantine_reason (the first failing rule, naming column and value).
-- Together with stg_dim_transaction_type it accounts for every bronze row exactly once.

{{ quarantined_rows('dim_transaction_types') }}
