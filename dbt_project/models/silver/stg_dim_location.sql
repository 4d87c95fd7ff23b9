{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per location (location_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_location keeps each key's row from the latest extract day loaded.
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
        postal_code__typed as postal_code,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
