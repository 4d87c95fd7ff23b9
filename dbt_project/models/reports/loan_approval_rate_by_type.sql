-- Share of loan applications approved, per loan type.

with

loans as (

    select * from {{ ref('fact_loan') }}

),

loan_products as (

    select * from {{ ref('dim_loan') }}

),

final as (

    select
        loan_products.loan_type,
        count(loans.loan_fact_id) as total_applications,
        sum(case when loans.loan_status = 'Approved' then 1 else 0 end) as approved,
        sum(case when loans.loan_status = 'Rejected' then 1 else 0 end) as rejected,
        round(
            100.0 * sum(case when loans.loan_status = 'Approved' then 1 else 0 end)
            / count(loans.loan_fact_id),
            2
        ) as approval_rate
    from loans
    inner join loan_products
        on loans.loan_id = loan_products.loan_id
    group by loan_products.loan_type
    order by approval_rate desc, loan_products.loan_type asc

)

select * from final
