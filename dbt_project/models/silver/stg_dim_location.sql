{{ config(materialized='table', dist='all') }}

-- Grain: one row per location (location_id), typed. Reference data: rebuilt whole on every run.
-- Rows breaking a rule are in quarantine_dim_location instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_locations') }},

valid as (

    select * from dim_locations__validated
    where quarantine_reason is null

),

renamed as (

    select
        location_id__typed as location_id,
        city__typed as city,
        state__typed as state,
        country__typed as country,
        postal_code__typed as postal_code
    from valid

),

final as (

    select * from renamed

)

select * from final
