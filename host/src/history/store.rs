//! The one interface both backends offer ([`Store`]) and the shared
//! algorithms behind it: a backend only runs statements ([`Sql`]) inside
//! the transactions it opens ([`Backend`]).

use std::collections::HashMap;
use std::sync::Arc;

use super::sql::{BuildRow, NewCheck, Sql, TriageRow};
use super::triage::{Action, KnownChange, State, TriageEvent, Triaged};
use super::{AddOutcome, BuildRecord, BuildSummary, HistoryError, Point, Series};
use super::{codec, pack};
use crate::results::{Check, Params};

/// A history store: every build's results, SQLite or PostgreSQL.
pub trait Store {
    /// The store's location as shown in messages (no password).
    fn location(&self) -> &str;
    /// Stores `build` in one transaction: [`AddOutcome::Unchanged`] when
    /// the same results are stored under its id already, an
    /// [`HistoryError::Exists`] error when different ones are, unless
    /// `replace`.
    fn add(&mut self, build: &BuildRecord, replace: bool) -> Result<AddOutcome, HistoryError>;
    /// The build stored under `id`, exactly as it was added (its order
    /// filled in).
    fn load(&mut self, id: &str) -> Result<BuildRecord, HistoryError>;
    /// Like [`Store::load`] without the per-sample values (what the
    /// comparisons read).
    fn load_checks(&mut self, id: &str) -> Result<BuildRecord, HistoryError>;
    /// [`Store::load_checks`] of every build of `ids`, in one transaction
    /// that reads each check name and params once: a result per id, or
    /// the error of the transaction.
    #[allow(clippy::type_complexity)]
    fn load_checks_many(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Result<BuildRecord, HistoryError>>, HistoryError>;
    /// Removes build `id`.
    fn remove(&mut self, id: &str) -> Result<(), HistoryError>;
    /// Builds in order (only of `machine` when given), the last `last`.
    fn list(
        &mut self,
        machine: Option<&str>,
        last: Option<usize>,
    ) -> Result<Vec<BuildSummary>, HistoryError>;
    /// Every series (check name) with its point count, sorted by name,
    /// only those matching the glob `pattern` when given.
    fn series(
        &mut self,
        pattern: Option<&globset::GlobMatcher>,
    ) -> Result<Vec<Series>, HistoryError>;
    /// The values of one check over the builds, in build order.
    fn show(&mut self, check: &str) -> Result<Vec<Point>, HistoryError>;
    /// Records the changes a detection on this store reported, in one
    /// transaction (a change reported before keeps its triage; its class,
    /// direction and last good build are updated), and returns the triage
    /// events of each, oldest first, by change id (none for a change never
    /// triaged).
    fn report_changes(
        &mut self,
        changes: &[KnownChange],
    ) -> Result<HashMap<String, Vec<TriageEvent>>, HistoryError>;
    /// Records `action` on the reported change `id` now, with `note`: a
    /// [`HistoryError::UnknownChange`] error when no detection on this
    /// store reported it. A reopen of a change that is new records
    /// nothing.
    fn triage(
        &mut self,
        id: &str,
        action: Action,
        note: Option<&str>,
    ) -> Result<Triaged, HistoryError>;
}

/// What a backend provides to get [`Store`].
pub(super) trait Backend {
    /// The location shown in messages.
    fn url(&self) -> &str;
    /// Runs `work` in a transaction, committed when it succeeds and rolled
    /// back otherwise. `write`: the transaction will write.
    fn transaction<R>(
        &mut self,
        write: bool,
        work: impl FnOnce(&mut dyn Sql) -> Result<R, HistoryError>,
    ) -> Result<R, HistoryError>;
}

impl<B: Backend> Store for B {
    fn location(&self) -> &str {
        self.url()
    }

    fn add(&mut self, build: &BuildRecord, replace: bool) -> Result<AddOutcome, HistoryError> {
        let url = self.url().to_string();
        let digest = codec::digest(build);
        self.transaction(true, |sql| {
            sql.lock_for_write()?;
            let mut outcome = AddOutcome::Added;
            if let Some(known) = sql.find_build(&build.id)? {
                if known.digest == digest && build.order.is_none_or(|o| o == known.order) {
                    return Ok(AddOutcome::Unchanged);
                }
                if !replace {
                    return Err(HistoryError::Exists {
                        url,
                        build: build.id.clone(),
                    });
                }
                sql.add_points(known.pk, -1)?;
                sql.delete_build(known.pk)?;
                outcome = AddOutcome::Replaced;
            }
            let order = match build.order {
                Some(order) => order,
                None => sql.max_order()?.map_or(1, |max| max.saturating_add(1)),
            };
            let metadata = build.parsed_metadata();
            let row = BuildRow {
                pk: 0,
                id: build.id.clone(),
                order,
                path: build.path.clone(),
                machine: metadata.get("machine").unwrap_or("").to_string(),
                distro: metadata.get("distro").unwrap_or("").to_string(),
                added: now(),
                checks: build.checks.len() as i64,
                digest,
                metadata: build.metadata.clone(),
                notes: codec::encode_notes(&build.notes),
            };
            let pk = sql.insert_build(&row)?;
            insert_checks(sql, pk, &build.checks)?;
            sql.insert_pack(pk, &pack::encode(&build.checks))?;
            for (seq, values) in &build.samples {
                sql.insert_samples(pk, *seq as i64, &codec::encode_samples(values))?;
            }
            sql.add_points(pk, 1)?;
            if outcome == AddOutcome::Replaced {
                sql.prune()?;
            }
            Ok(outcome)
        })
    }

    fn load(&mut self, id: &str) -> Result<BuildRecord, HistoryError> {
        let url = self.url().to_string();
        self.transaction(false, |sql| {
            load_record(sql, &url, id, true, &mut Default::default())
        })
    }

    fn load_checks(&mut self, id: &str) -> Result<BuildRecord, HistoryError> {
        let url = self.url().to_string();
        self.transaction(false, |sql| {
            load_record(sql, &url, id, false, &mut Default::default())
        })
    }

    fn load_checks_many(
        &mut self,
        ids: &[&str],
    ) -> Result<Vec<Result<BuildRecord, HistoryError>>, HistoryError> {
        let url = self.url().to_string();
        self.transaction(false, |sql| {
            let mut cache = pack::ParamsCache::default();
            Ok(ids
                .iter()
                .map(|id| load_record(sql, &url, id, false, &mut cache))
                .collect())
        })
    }

    fn remove(&mut self, id: &str) -> Result<(), HistoryError> {
        let url = self.url().to_string();
        self.transaction(true, |sql| {
            sql.lock_for_write()?;
            let row = sql
                .find_build(id)?
                .ok_or_else(|| HistoryError::UnknownBuild {
                    url,
                    build: id.to_string(),
                })?;
            sql.add_points(row.pk, -1)?;
            sql.delete_build(row.pk)?;
            sql.prune()
        })
    }

    fn list(
        &mut self,
        machine: Option<&str>,
        last: Option<usize>,
    ) -> Result<Vec<BuildSummary>, HistoryError> {
        let mut builds = self.transaction(false, |sql| sql.summaries())?;
        if let Some(machine) = machine {
            builds.retain(|b| b.machine == machine);
        }
        if let Some(last) = last {
            builds.drain(..builds.len().saturating_sub(last));
        }
        Ok(builds)
    }

    fn series(
        &mut self,
        pattern: Option<&globset::GlobMatcher>,
    ) -> Result<Vec<Series>, HistoryError> {
        let all = self.transaction(false, |sql| sql.series())?;
        Ok(all
            .into_iter()
            .filter(|(name, _)| pattern.is_none_or(|p| p.is_match(name)))
            .map(|(name, points)| Series { name, points })
            .collect())
    }

    fn show(&mut self, check: &str) -> Result<Vec<Point>, HistoryError> {
        let url = self.url().to_string();
        let rows = self.transaction(false, |sql| sql.points(check))?;
        rows.into_iter()
            .map(|row| {
                let damaged = |reason: String| HistoryError::Damaged {
                    url: url.clone(),
                    build: row.build.clone(),
                    reason,
                };
                let value = codec::decode_value(row.kind, row.num, row.text)
                    .ok_or_else(|| damaged(format!("value of {check}")))?;
                let samples = row
                    .samples
                    .as_deref()
                    .map(codec::decode_samples)
                    .transpose()
                    .map_err(damaged)?;
                Ok(Point {
                    build: row.build,
                    order: row.order,
                    added: row.added,
                    value,
                    samples,
                })
            })
            .collect()
    }

    fn report_changes(
        &mut self,
        changes: &[KnownChange],
    ) -> Result<HashMap<String, Vec<TriageEvent>>, HistoryError> {
        if changes.is_empty() {
            return Ok(HashMap::new());
        }
        let url = self.url().to_string();
        let ids: std::collections::HashSet<&str> = changes.iter().map(|c| c.id.as_str()).collect();
        self.transaction(true, |sql| {
            sql.lock_for_write()?;
            let now = now();
            for change in changes {
                sql.upsert_change(change, &now)?;
            }
            let mut events = triage_events(sql, &url)?;
            events.retain(|id, _| ids.contains(id.as_str()));
            Ok(events)
        })
    }

    fn triage(
        &mut self,
        id: &str,
        action: Action,
        note: Option<&str>,
    ) -> Result<Triaged, HistoryError> {
        let url = self.url().to_string();
        self.transaction(true, |sql| {
            sql.lock_for_write()?;
            let change = sql
                .find_change(id)?
                .ok_or_else(|| HistoryError::UnknownChange {
                    url: url.clone(),
                    id: id.to_string(),
                })?;
            let events = triage_events(sql, &url)?.remove(id).unwrap_or_default();
            if action == Action::Reopen && State::of(&events) == State::New {
                return Ok(Triaged {
                    change,
                    recorded: None,
                });
            }
            let event = TriageEvent {
                action,
                at: now(),
                note: note.map(str::to_string),
            };
            sql.insert_triage(&TriageRow {
                change: id.to_string(),
                event: action.as_str().to_string(),
                happened: event.at.clone(),
                note: event.note.clone(),
            })?;
            Ok(Triaged {
                change,
                recorded: Some(event),
            })
        })
    }
}

/// Now, as stored: UTC, RFC 3339, seconds.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The triage events of the store, oldest first, by change id.
fn triage_events(
    sql: &mut dyn Sql,
    url: &str,
) -> Result<HashMap<String, Vec<TriageEvent>>, HistoryError> {
    let mut events: HashMap<String, Vec<TriageEvent>> = HashMap::new();
    for row in sql.triage_rows()? {
        let action = Action::parse(&row.event).ok_or_else(|| HistoryError::Corrupt {
            url: url.to_string(),
            reason: format!(
                "change {}: unknown triage event {:?}",
                row.change, row.event
            ),
        })?;
        events.entry(row.change).or_default().push(TriageEvent {
            action,
            at: row.happened,
            note: row.note,
        });
    }
    Ok(events)
}

/// Check names and params already read, by key: builds share most of
/// them, so a run of reads from the rows reads (and decodes) each once.
#[derive(Default)]
struct LoadCache {
    names: HashMap<i64, String>,
    params: HashMap<i64, Params>,
}

/// Build `id` as stored; its samples only when `with_samples`. Its checks
/// come from its pack (one row), from its check rows where it has none;
/// builds read through the same `params` share their params lists.
fn load_record(
    sql: &mut dyn Sql,
    url: &str,
    id: &str,
    with_samples: bool,
    params: &mut pack::ParamsCache,
) -> Result<BuildRecord, HistoryError> {
    let row = sql
        .find_build(id)?
        .ok_or_else(|| HistoryError::UnknownBuild {
            url: url.to_string(),
            build: id.to_string(),
        })?;
    let damaged = |reason: String| HistoryError::Damaged {
        url: url.to_string(),
        build: id.to_string(),
        reason,
    };
    let checks = match sql.pack(row.pk)? {
        Some(body) => pack::decode(&body, params).map_err(damaged)?,
        None => checks_from_rows(sql, row.pk, &mut LoadCache::default(), &damaged)?,
    };
    let stored_samples = if with_samples {
        sql.build_samples(row.pk)?
    } else {
        Vec::new()
    };
    let mut samples = stored_samples
        .into_iter()
        .map(|(seq, body)| Ok((seq as usize, codec::decode_samples(&body).map_err(damaged)?)))
        .collect::<Result<Vec<_>, HistoryError>>()?;
    samples.sort_by_key(|(seq, _)| *seq);
    Ok(BuildRecord {
        id: row.id,
        order: Some(row.order),
        path: row.path,
        metadata: row.metadata,
        checks,
        notes: codec::decode_notes(&row.notes).map_err(damaged)?,
        samples,
    })
}

/// Packs the checks of every stored build that has none (the migration to
/// the schema version of the packs), reading them from their rows.
pub(super) fn fill_packs(sql: &mut dyn Sql, url: &str) -> Result<(), HistoryError> {
    let mut cache = LoadCache::default();
    for (pk, id) in sql.build_keys()? {
        if sql.pack(pk)?.is_some() {
            continue;
        }
        let damaged = |reason: String| HistoryError::Damaged {
            url: url.to_string(),
            build: id.clone(),
            reason,
        };
        let checks = checks_from_rows(sql, pk, &mut cache, &damaged)?;
        sql.insert_pack(pk, &pack::encode(&checks))?;
    }
    Ok(())
}

/// The checks of build `pk` from its check rows. The first build read
/// through `cache` reads its names and params along with its checks; later
/// ones read only the keys and look up what is not cached.
fn checks_from_rows(
    sql: &mut dyn Sql,
    pk: i64,
    cache: &mut LoadCache,
    damaged: &dyn Fn(String) -> HistoryError,
) -> Result<Vec<Check>, HistoryError> {
    let first = cache.names.is_empty();
    if first {
        for (key, body) in sql.build_params(pk)? {
            if let std::collections::hash_map::Entry::Vacant(entry) = cache.params.entry(key) {
                entry.insert(codec::decode_params(&body).map_err(damaged)?);
            }
        }
    }
    let rows = sql.check_rows(pk, first)?;
    let mut checks = Vec::with_capacity(rows.len());
    for c in rows {
        let name = if first {
            cache
                .names
                .entry(c.name_key)
                .or_insert_with(|| c.name.clone());
            c.name
        } else if let Some(name) = cache.names.get(&c.name_key) {
            name.clone()
        } else {
            let name = sql
                .name_of(c.name_key)?
                .ok_or_else(|| damaged(format!("name of check {}", checks.len() + 1)))?;
            cache.names.insert(c.name_key, name.clone());
            name
        };
        let value = codec::decode_value(c.kind, c.num, c.text)
            .ok_or_else(|| damaged(format!("value of {name}")))?;
        let params = match cache.params.get(&c.params) {
            Some(params) => params.clone(),
            None => {
                let body = sql
                    .params_of(c.params)?
                    .ok_or_else(|| damaged(format!("params of {name}")))?;
                let params = codec::decode_params(&body).map_err(damaged)?;
                cache.params.insert(c.params, params.clone());
                params
            }
        };
        checks.push(Check {
            name,
            value,
            primary: c.primary,
            params,
        });
    }
    Ok(checks)
}

/// Inserts the checks of build `pk`, storing new names and params once.
fn insert_checks(sql: &mut dyn Sql, pk: i64, checks: &[Check]) -> Result<(), HistoryError> {
    let mut names = sql.names()?;
    let mut last_params: Option<(&Params, i64)> = None;
    let mut params_keys: HashMap<String, i64> = HashMap::new();
    for (seq, check) in checks.iter().enumerate() {
        let name = match names.get(check.name.as_str()) {
            Some(&key) => key,
            None => {
                let key = sql.insert_name(&check.name)?;
                names.insert(check.name.clone(), key);
                key
            }
        };
        let params = match last_params {
            Some((shared, key)) if Arc::ptr_eq(shared, &check.params) => key,
            _ => {
                let body = codec::encode_params(&check.params);
                let key = match params_keys.get(&body) {
                    Some(&key) => key,
                    None => {
                        let key = sql.params_key(&codec::params_digest(&body), &body)?;
                        params_keys.insert(body, key);
                        key
                    }
                };
                last_params = Some((&check.params, key));
                key
            }
        };
        sql.insert_check(NewCheck {
            build: pk,
            seq: seq as i64,
            name,
            value: codec::encode_value(&check.value),
            primary: check.primary,
            params,
        })?;
    }
    Ok(())
}
