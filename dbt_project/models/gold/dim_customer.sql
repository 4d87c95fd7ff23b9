{{ config(materialized='table', tags=['daily'], dist='all', sort=['customer_id', 'valid_from']) }}

-- Grain: one row per customer version (customer_sk = hash(customer_id, updated_at)), SCD Type 2.
-- Derived from the whole silver change history with window functions (not a dbt snapshot), and
-- rebuilt on every run, so it is the same whatever order the days were loaded in.

with

history as (

    select * from {{ ref('stg_dim_customer') }}

),

versioned as (

    select
        history.*,
        lead(updated_at) over (partition by customer_id order by updated_at) as next_updated_at
    from history

),

final as (

    select
        {{ surrogate_key(['customer_id', 'updated_at']) }} as customer_sk,
        customer_id,
        first_name,
        last_name,
        email,
        phone,
        date_of_birth,
        address,
        city,
        state,
        country,
        customer_segment,
        join_date,
        updated_at,
        updated_at as valid_from,
        coalesce(next_updated_at, {{ scd2_end_of_time() }}) as valid_to,
        case when next_updated_at is null then true else false end as is_current
    from versioned

)

select * from final
