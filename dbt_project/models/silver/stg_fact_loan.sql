{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per loan application (loan_fact_id), typed. Incremental by window: the folder's pre-hook deletes the
-- window's days, then the window's bronze partitions are inserted again, so reloading a day replaces it.
-- Rows breaking a rule are in quarantine_fact_loan instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('fact_loans') }},

valid as (

    select * from fact_loans__validated
    where quarantine_reason is null

),

renamed as (

    select
        loan_fact_id__typed as loan_fact_id,
        loan_id__typed as loan_id,
        customer_id__typed as customer_id,
        date_id__typed as date_id,
        loan_amount__typed as loan_amount,
        loan_status__typed as loan_status,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
