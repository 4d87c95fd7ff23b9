{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per transaction type (transaction_type_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_transaction_type keeps each key's row from the latest extract day loaded.
-- Rows breaking a rule are in quarantine_dim_transaction_type instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_transaction_types') }},

valid as (

    select * from dim_transaction_types__validated
    where quarantine_reason is null

),

renamed as (

    select
        transaction_type_id__typed as transaction_type_id,
        transaction_type_name__typed as transaction_type_name,
        direction__typed as direction,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
