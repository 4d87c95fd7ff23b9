{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per channel (channel_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_channel keeps each key's row from the latest extract day loaded.
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
        is_digital__typed as is_digital,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
