{{ config(materialized='table', tags=['daily'], dist='all', sort=['account_id', 'valid_from']) }}

-- Grain: one row per account version (account_sk = hash(account_id, updated_at)), SCD Type 2.
-- Derived from the whole silver change history with window functions (not a dbt snapshot), and
-- rebuilt on every run, so it is the same whatever order the days were loaded in.

with

history as (

    select * from {{ ref('stg_dim_account') }}

),

versioned as (

    select
        history.*,
        lead(updated_at) over (partition by account_id order by updated_at) as next_updated_at
    from history

),

final as (

    select
        {{ surrogate_key(['account_id', 'updated_at']) }} as account_sk,
        account_id,
        customer_id,
        account_type,
        currency_id,
        account_status,
        open_date,
        updated_at,
        updated_at as valid_from,
        coalesce(next_updated_at, {{ scd2_end_of_time() }}) as valid_to,
        case when next_updated_at is null then true else false end as is_current
    from versioned

)

select * from final
