//! Training: what each half-epoch minimises, agreement of the solvers, the
//! bias model, determinism across thread counts, cancellation and errors.

mod common;

use std::sync::atomic::AtomicBool;

use common::*;
use lenskit_als::{
    fit_biases, fold_in_explicit, fold_in_implicit, gram, residuals, train, AlsOptions, Damping,
    Embeddings, Objective, Solver, Trained,
};
use lenskit_core::{Exec, KernelError};
use proptest::prelude::*;

fn options(objective: Objective, solver: Solver, epochs: usize) -> AlsOptions {
    AlsOptions {
        objective,
        solver,
        epochs,
        reg_user: 0.1,
        reg_item: 0.2,
    }
}

fn run(data: &Data, dim: usize, opts: &AlsOptions, exec: &Exec<'_>) -> Trained {
    let users = random_embeddings(1, data.n_users, dim);
    let items = random_embeddings(2, data.n_items, dim);
    train(&data.ratings(), users, items, opts, exec).unwrap()
}

/// Explicit loss: squared error on rated entries plus weighted-lambda
/// regularisation (each embedding weighted by its rating count).
fn explicit_loss(data: &Data, t: &Trained, opts: &AlsOptions) -> f64 {
    let (u, it) = (t.users.view(), t.items.view());
    let mut item_counts = vec![0usize; data.n_items];
    let mut loss = 0.0;
    for user in 0..data.n_users {
        let (items, values) = data.row(user);
        for (&i, &r) in items.iter().zip(&values) {
            loss += (f64::from(r) - dot64(u.row(user), it.row(i as usize))).powi(2);
            item_counts[i as usize] += 1;
        }
        loss += f64::from(opts.reg_user) * items.len() as f64 * norm2(u.row(user));
    }
    for (i, &n) in item_counts.iter().enumerate() {
        loss += f64::from(opts.reg_item) * n as f64 * norm2(it.row(i));
    }
    loss
}

/// Implicit loss: confidence-weighted squared error on every entry
/// (preference 1 where rated, 0 elsewhere) plus plain regularisation.
fn implicit_loss(data: &Data, t: &Trained, opts: &AlsOptions) -> f64 {
    let (u, it) = (t.users.view(), t.items.view());
    let dense = data.dense();
    let mut loss = 0.0;
    for (user, row) in dense.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            let x = dot64(u.row(user), it.row(i));
            loss += match v {
                Some(v) => (1.0 + f64::from(*v)) * (1.0 - x).powi(2),
                None => x * x,
            };
        }
        loss += f64::from(opts.reg_user) * norm2(u.row(user));
    }
    for i in 0..data.n_items {
        loss += f64::from(opts.reg_item) * norm2(it.row(i));
    }
    loss
}

#[test]
fn exact_explicit_epochs_never_increase_the_loss() {
    let data = random_data(7, 60, 40, 0.15);
    let mut last = f64::INFINITY;
    for epochs in 1..=6 {
        let opts = options(Objective::Explicit, Solver::Cholesky, epochs);
        let loss = explicit_loss(&data, &run(&data, 8, &opts, &Exec::sequential()), &opts);
        assert!(
            loss <= last * (1.0 + 1e-5),
            "epoch {epochs}: {loss} > {last}"
        );
        last = loss;
    }
}

#[test]
fn exact_implicit_epochs_never_increase_the_loss() {
    let data = random_data(8, 50, 30, 0.1);
    let data = data.with_values(vec![4.0; data.indices.len()]);
    let mut last = f64::INFINITY;
    for epochs in 1..=6 {
        let opts = options(Objective::Implicit, Solver::Cholesky, epochs);
        let loss = implicit_loss(&data, &run(&data, 6, &opts, &Exec::sequential()), &opts);
        assert!(
            loss <= last * (1.0 + 1e-5),
            "epoch {epochs}: {loss} > {last}"
        );
        last = loss;
    }
}

#[test]
fn conjugate_gradient_with_enough_steps_reaches_the_exact_solution() {
    let data = random_data(9, 40, 30, 0.2);
    for objective in [Objective::Explicit, Objective::Implicit] {
        let exact = run(
            &data,
            6,
            &options(objective, Solver::Cholesky, 1),
            &Exec::sequential(),
        );
        let cg = run(
            &data,
            6,
            &options(objective, Solver::ConjugateGradient { steps: 30 }, 1),
            &Exec::sequential(),
        );
        for (a, b) in exact.users.as_slice().iter().zip(cg.users.as_slice()) {
            assert!((a - b).abs() < 1e-3, "{objective:?}: {a} vs {b}");
        }
    }
}

#[test]
fn three_conjugate_gradient_steps_come_close_to_the_exact_loss() {
    let data = random_data(10, 80, 50, 0.15);
    let data = data.with_values(vec![3.0; data.indices.len()]);
    let exact_opts = options(Objective::Implicit, Solver::Cholesky, 8);
    let cg_opts = options(
        Objective::Implicit,
        Solver::ConjugateGradient { steps: 3 },
        8,
    );
    let exact = implicit_loss(
        &data,
        &run(&data, 8, &exact_opts, &Exec::sequential()),
        &exact_opts,
    );
    let cg = implicit_loss(
        &data,
        &run(&data, 8, &cg_opts, &Exec::sequential()),
        &cg_opts,
    );
    assert!(
        cg >= exact * 0.999 && cg < exact * 1.05,
        "cg {cg} vs exact {exact}"
    );
}

#[test]
fn rows_without_entries_get_zero_embeddings() {
    // user 1 and item 2 have no ratings
    let data = Data::from_dense(
        &[
            vec![Some(4.0), Some(3.0), None],
            vec![None, None, None],
            vec![Some(1.0), None, None],
        ],
        3,
    );
    for objective in [Objective::Explicit, Objective::Implicit] {
        for solver in [Solver::Cholesky, Solver::ConjugateGradient { steps: 3 }] {
            let t = run(
                &data,
                4,
                &options(objective, solver, 2),
                &Exec::sequential(),
            );
            assert!(t.users.view().row(1).iter().all(|&x| x == 0.0));
            assert!(t.items.view().row(2).iter().all(|&x| x == 0.0));
        }
    }
}

#[test]
fn training_is_bit_identical_for_any_thread_count() {
    // enough rows and a Gram matrix of several blocks
    let data = random_data(11, 2500, 300, 0.03);
    for objective in [Objective::Explicit, Objective::Implicit] {
        for solver in [Solver::Cholesky, Solver::ConjugateGradient { steps: 3 }] {
            let opts = options(objective, solver, 2);
            let serial = run(&data, 16, &opts, &Exec::sequential());
            for threads in [1, 2, 3, 4] {
                let parallel = pool(threads).install(|| run(&data, 16, &opts, &Exec::parallel()));
                let bits =
                    |e: &Embeddings| e.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&parallel.users),
                    bits(&serial.users),
                    "{objective:?} {solver:?} {threads}"
                );
                assert_eq!(
                    bits(&parallel.items),
                    bits(&serial.items),
                    "{objective:?} {solver:?} {threads}"
                );
            }
        }
    }
}

#[test]
fn a_raised_cancel_flag_stops_training() {
    let data = random_data(12, 200, 50, 0.1);
    let flag = AtomicBool::new(true);
    let opts = options(Objective::Explicit, Solver::Cholesky, 3);
    let users = random_embeddings(1, data.n_users, 4);
    let items = random_embeddings(2, data.n_items, 4);
    for exec in [Exec::sequential(), Exec::parallel()] {
        let err = train(
            &data.ratings(),
            users.clone(),
            items.clone(),
            &opts,
            &exec.with_cancel(&flag),
        );
        assert_eq!(err.unwrap_err(), KernelError::Cancelled);
    }
}

fn invalid(result: Result<Trained, KernelError>) -> String {
    match result {
        Err(KernelError::InvalidInput(msg)) => msg,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn bad_inputs_are_errors_that_say_what_is_wrong() {
    let data = random_data(13, 10, 8, 0.3);
    let good = (random_embeddings(1, 10, 4), random_embeddings(2, 8, 4));
    let exec = Exec::sequential();
    let opts = options(Objective::Explicit, Solver::Cholesky, 1);

    let msg = invalid(train(
        &data.ratings(),
        random_embeddings(1, 9, 4),
        good.1.clone(),
        &opts,
        &exec,
    ));
    assert!(msg.contains("embeddings of 9 users"), "{msg}");
    let msg = invalid(train(
        &data.ratings(),
        good.0.clone(),
        random_embeddings(2, 8, 3),
        &opts,
        &exec,
    ));
    assert!(msg.contains("4 dimensions but item embeddings 3"), "{msg}");
    let zero_reg = AlsOptions {
        reg_item: 0.0,
        ..opts
    };
    let msg = invalid(train(
        &data.ratings(),
        good.0.clone(),
        good.1.clone(),
        &zero_reg,
        &exec,
    ));
    assert!(msg.contains("item regularization"), "{msg}");
    let no_steps = AlsOptions {
        solver: Solver::ConjugateGradient { steps: 0 },
        ..opts
    };
    let msg = invalid(train(
        &data.ratings(),
        good.0.clone(),
        good.1.clone(),
        &no_steps,
        &exec,
    ));
    assert!(msg.contains("at least 1 step"), "{msg}");

    let negative = data.with_values(vec![-1.0; data.indices.len()]);
    let implicit = options(Objective::Implicit, Solver::Cholesky, 1);
    let msg = invalid(train(
        &negative.ratings(),
        good.0.clone(),
        good.1.clone(),
        &implicit,
        &exec,
    ));
    assert!(msg.contains("confidence weight -1"), "{msg}");

    let mut nan = good.0.clone();
    nan.as_mut_slice()[3] = f32::NAN;
    let msg = invalid(train(&data.ratings(), nan, good.1.clone(), &opts, &exec));
    assert!(msg.contains("finite"), "{msg}");
}

#[test]
fn values_too_large_for_single_precision_are_an_error_naming_the_row() {
    let data = random_data(14, 10, 8, 0.5);
    let huge = data.with_values(vec![1e30; data.indices.len()]);
    let opts = options(Objective::Explicit, Solver::Cholesky, 2);
    let msg = invalid(train(
        &huge.ratings(),
        random_embeddings(1, 10, 4),
        random_embeddings(2, 8, 4),
        &opts,
        &Exec::sequential(),
    ));
    assert!(msg.contains("not positive definite"), "{msg}");
}

#[test]
fn biases_are_the_damped_means_of_offsets() {
    let data = random_data(15, 30, 20, 0.2);
    let damping = Damping {
        user: 5.0,
        item: 2.0,
    };
    let b = fit_biases(&data.ratings(), damping).unwrap();
    let n = data.values.len() as f64;
    let mu = data.values.iter().map(|&r| f64::from(r)).sum::<f64>() / n;
    assert!((b.global - mu).abs() < 1e-12);
    let dense = data.dense();
    for i in 0..data.n_items {
        let col: Vec<f64> = dense
            .iter()
            .filter_map(|row| row[i])
            .map(f64::from)
            .collect();
        let expect = col.iter().map(|r| r - mu).sum::<f64>() / (col.len() as f64 + 2.0);
        assert!((b.items[i] - expect).abs() < 1e-9, "item {i}");
    }
    for (u, row) in dense.iter().enumerate() {
        let offsets: Vec<f64> = row
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| f64::from(r) - mu - b.items[i]))
            .collect();
        let expect = offsets.iter().sum::<f64>() / (offsets.len() as f64 + 5.0);
        assert!((b.users[u] - expect).abs() < 1e-9, "user {u}");
    }
    let res = residuals(&data.ratings(), b.view()).unwrap();
    for u in 0..data.n_users {
        let (items, values) = data.row(u);
        let start = data.indptr[u] as usize;
        for (p, (&i, &r)) in items.iter().zip(&values).enumerate() {
            let expect = f64::from(r) - mu - b.items[i as usize] - b.users[u];
            assert!((f64::from(res[start + p]) - expect).abs() < 1e-5);
        }
    }
    let none = Damping {
        user: 0.0,
        item: -1.0,
    };
    assert!(fit_biases(&data.ratings(), none).is_err());
}

#[test]
fn folding_in_a_training_user_gives_the_embedding_training_gave_them() {
    let data = random_data(16, 40, 25, 0.2);
    let damping = Damping {
        user: 5.0,
        item: 5.0,
    };
    let b = fit_biases(&data.ratings(), damping).unwrap();
    let res = data.with_values(residuals(&data.ratings(), b.view()).unwrap());
    let items0 = random_embeddings(2, data.n_items, 6);
    let opts = options(Objective::Explicit, Solver::Cholesky, 1);
    // after one epoch, users were solved against the initial item embeddings
    let t = train(
        &res.ratings(),
        random_embeddings(1, data.n_users, 6),
        items0.clone(),
        &opts,
        &Exec::sequential(),
    )
    .unwrap();
    for u in [0, 7, 39] {
        let (items, ratings) = data.row(u);
        let f = fold_in_explicit(
            items0.view(),
            b.global,
            &b.items,
            damping.user,
            opts.reg_user,
            &items,
            &ratings,
        )
        .unwrap();
        assert_eq!(f.bias.to_bits(), b.users[u].to_bits());
        assert_eq!(f.embedding, t.users.view().row(u), "user {u}");
    }

    let conf = data.with_values(vec![7.0; data.indices.len()]);
    let opts = options(Objective::Implicit, Solver::Cholesky, 1);
    let t = train(
        &conf.ratings(),
        random_embeddings(1, data.n_users, 6),
        items0.clone(),
        &opts,
        &Exec::sequential(),
    )
    .unwrap();
    let g = gram(items0.view(), opts.reg_user, &Exec::sequential()).unwrap();
    for u in [0, 7, 39] {
        let (items, values) = conf.row(u);
        let f = fold_in_implicit(items0.view(), &g, &items, &values).unwrap();
        assert_eq!(f.embedding, t.users.view().row(u), "user {u}");
    }
}

#[test]
fn fold_in_refuses_unsorted_or_unknown_items() {
    let items = random_embeddings(2, 5, 3);
    let g = gram(items.view(), 0.1, &Exec::sequential()).unwrap();
    let biases = vec![0.0; 5];
    assert!(fold_in_implicit(items.view(), &g, &[3, 1], &[1.0, 1.0]).is_err());
    assert!(fold_in_implicit(items.view(), &g, &[1, 5], &[1.0, 1.0]).is_err());
    assert!(fold_in_implicit(items.view(), &g, &[1], &[-2.0]).is_err());
    assert!(fold_in_explicit(items.view(), 3.0, &biases, 5.0, 0.1, &[2, 2], &[1.0, 1.0]).is_err());
    let empty = fold_in_explicit(items.view(), 3.0, &biases, 5.0, 0.1, &[], &[]).unwrap();
    assert!(empty.embedding.iter().all(|&x| x == 0.0) && empty.bias == 0.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn parallel_training_equals_sequential_training(
        data in data_strategy(30, 20),
        dim in 1usize..20,
        implicit in any::<bool>(),
        cg in any::<bool>(),
    ) {
        let objective = if implicit { Objective::Implicit } else { Objective::Explicit };
        let solver = if cg { Solver::ConjugateGradient { steps: 3 } } else { Solver::Cholesky };
        let opts = options(objective, solver, 2);
        let serial = run(&data, dim, &opts, &Exec::sequential());
        let parallel = pool(3).install(|| run(&data, dim, &opts, &Exec::parallel()));
        prop_assert_eq!(serial, parallel);
    }

    #[test]
    fn exact_solves_satisfy_the_normal_equations(
        data in data_strategy(12, 10),
        dim in 1usize..12,
        implicit in any::<bool>(),
    ) {
        // one epoch from known item embeddings Y: each user row x must solve
        // explicit: (sum_j y_j y_j^T + reg n I) x = sum_j r_j y_j
        // implicit: (Y^T Y + reg I + sum_j v_j y_j y_j^T) x = sum_j (1 + v_j) y_j
        let objective = if implicit { Objective::Implicit } else { Objective::Explicit };
        let opts = options(objective, Solver::Cholesky, 1);
        let items0 = random_embeddings(2, data.n_items, dim);
        let users0 = random_embeddings(1, data.n_users, dim);
        let t = train(&data.ratings(), users0, items0.clone(), &opts, &Exec::sequential()).unwrap();
        let y = items0.view();
        let reg = f64::from(opts.reg_user);
        for u in 0..data.n_users {
            let (items, values) = data.row(u);
            let x = t.users.view().row(u);
            for c in 0..dim {
                let (mut lhs, mut rhs) = (0.0, 0.0);
                if implicit {
                    lhs += reg * f64::from(x[c]);
                    for i in 0..data.n_items {
                        lhs += f64::from(y.row(i)[c]) * dot64(y.row(i), x);
                    }
                } else {
                    lhs += reg * items.len() as f64 * f64::from(x[c]);
                }
                for (&i, &v) in items.iter().zip(&values) {
                    let yi = y.row(i as usize);
                    let (w, target) = if implicit { (f64::from(v), 1.0 + f64::from(v)) } else { (1.0, f64::from(v)) };
                    lhs += w * f64::from(yi[c]) * dot64(yi, x);
                    rhs += target * f64::from(yi[c]);
                }
                prop_assert!(
                    (lhs - rhs).abs() < 1e-3 * (1.0 + rhs.abs()),
                    "{:?} user {} dim {}: {} vs {}", objective, u, c, lhs, rhs
                );
            }
        }
    }
}
