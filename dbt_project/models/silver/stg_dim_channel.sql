{{ config(materialized='table', dist='all') }}

-- Grain: one row per channel (channel_id), typed. Reference data: rebuilt whole on every run.
-- Rows breaking a rule are in quarantine_dim_channel instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_channels') }},

valid as (

    select * from dim_channels__validated
    where quarantine_reason is null

),

renamed as (

    select
        channel_id__typed as channel_id,
        channel_name__typed as channel_name,
        is_digital__typed as is_digital
    from valid

),

final as (

    select * from renamed

)

select * from final
