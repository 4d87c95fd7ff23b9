{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['account_id', 'updated_at'],
        on_schema_change='append_new_columns',
        tags=['daily'],
        dist='account_id',
        sort=['account_id', 'updated_at'],
    )
}}

-- Grain: one row per account version (account_id, updated_at) seen in any loaded day's extract: the change history.
-- Each day's extract repeats unchanged versions; they are deduplicated here and merged by
-- delete+insert on (account_id, updated_at), so days loaded in any order give the same table.
-- Rows breaking a rule are in quarantine_dim_account instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_accounts') }},

valid as (

    select * from dim_accounts__validated
    where quarantine_reason is null

),

renamed as (

    select
        account_id__typed as account_id,
        customer_id__typed as customer_id,
        account_type__typed as account_type,
        currency_id__typed as currency_id,
        account_status__typed as account_status,
        open_date__typed as open_date,
        updated_at__typed as updated_at
    from valid

),

final as (

    select distinct * from renamed

)

select * from final
