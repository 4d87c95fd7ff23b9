{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per interaction (interaction_id), typed. Incremental by window: the folder's pre-hook deletes the
-- window's days, then the window's bronze partitions are inserted again, so reloading a day replaces it.
-- Rows breaking a rule are in quarantine_fact_customer_interactions instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('fact_customer_interactions') }},

valid as (

    select * from fact_customer_interactions__validated
    where quarantine_reason is null

),

renamed as (

    select
        interaction_id__typed as interaction_id,
        customer_id__typed as customer_id,
        channel_id__typed as channel_id,
        date_id__typed as date_id,
        interaction_timestamp__typed as interaction_timestamp,
        interaction_type__typed as interaction_type,
        resolution_status__typed as resolution_status,
        satisfaction_score__typed as satisfaction_score,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
