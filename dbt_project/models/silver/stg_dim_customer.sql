{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['customer_id', 'updated_at'],
        on_schema_change='append_new_columns',
        tags=['daily'],
        dist='customer_id',
        sort=['customer_id', 'updated_at'],
    )
}}

-- Grain: one row per customer version (customer_id, updated_at) seen in any loaded day's extract: the change history.
-- Each day's extract repeats unchanged versions; they are deduplicated here and merged by
-- delete+insert on (customer_id, updated_at), so days loaded in any order give the same table.
-- Rows breaking a rule are in quarantine_dim_customer instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_customers') }},

valid as (

    select * from dim_customers__validated
    where quarantine_reason is null

),

renamed as (

    select
        customer_id__typed as customer_id,
        first_name__typed as first_name,
        last_name__typed as last_name,
        email__typed as email,
        phone__typed as phone,
        date_of_birth__typed as date_of_birth,
        address__typed as address,
        city__typed as city,
        state__typed as state,
        country__typed as country,
        customer_segment__typed as customer_segment,
        join_date__typed as join_date,
        updated_at__typed as updated_at
    from valid

),

final as (

    select distinct * from renamed

)

select * from final
