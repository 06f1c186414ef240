//! Kyverno's time functions (`pkg/engine/jmespath/time.go`). The current time comes from the
//! [`Runtime`]'s clock ([`Runtime::with_now`]), never from the system.

use kanon_core::duration::Duration;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::functions::string_arg;
use crate::gotime::{GoTime, RFC3339};
use crate::runtime::{ArgSpec, Call, JpType, Runtime};

pub(crate) fn register(runtime: &mut Runtime) {
    let strings = |n: usize| vec![ArgSpec::new(&[JpType::String]); n];
    runtime.native("time_since", strings(3), time_since);
    runtime.native("time_now", Vec::new(), |c| {
        Ok(now(c)?.format_rfc3339().into())
    });
    runtime.native("time_now_utc", Vec::new(), |c| {
        Ok(now(c)?.utc().format_rfc3339().into())
    });
    runtime.native("time_add", strings(2), |c| {
        let (time, duration) = (time_arg(c, 0)?, duration_arg(c, 1)?);
        Ok(time.add(duration).format_rfc3339().into())
    });
    runtime.native("time_parse", strings(2), time_parse);
    runtime.native("time_to_cron", strings(1), |c| {
        let (_, month, day, hour, minute, _, weekday) = time_arg(c, 0)?.civil();
        Ok(format!("{minute} {hour} {day} {month} {weekday}").into())
    });
    runtime.native("time_utc", strings(1), |c| {
        Ok(time_arg(c, 0)?.utc().format_rfc3339().into())
    });
    runtime.native("time_diff", strings(2), |c| {
        let (start, end) = (time_arg(c, 0)?, time_arg(c, 1)?);
        Ok(end.sub(start).to_string().into())
    });
    runtime.native("time_before", strings(2), |c| {
        let (a, b) = (time_arg(c, 0)?, time_arg(c, 1)?);
        Ok(Value::Bool(a.instant_cmp(&b).is_lt()))
    });
    runtime.native("time_after", strings(2), |c| {
        let (a, b) = (time_arg(c, 0)?, time_arg(c, 1)?);
        Ok(Value::Bool(a.instant_cmp(&b).is_gt()))
    });
    runtime.native("time_between", strings(3), |c| {
        let (t, start, end) = (time_arg(c, 0)?, time_arg(c, 1)?, time_arg(c, 2)?);
        Ok(Value::Bool(
            t.instant_cmp(&start).is_gt() && t.instant_cmp(&end).is_lt(),
        ))
    });
    runtime.native("time_truncate", strings(2), |c| {
        let (time, duration) = (time_arg(c, 0)?, duration_arg(c, 1)?);
        Ok(time.truncate(duration).format_rfc3339().into())
    });
}

/// The runtime's clock.
fn now(call: &Call<'_, '_>) -> Result<GoTime> {
    call.runtime().now().map(GoTime::from_unix).ok_or_else(|| {
        call.error(format!(
            "{} needs a clock: none was given to the runtime",
            call.name
        ))
    })
}

fn parse(call: &Call<'_, '_>, layout: &str, text: &str) -> Result<GoTime> {
    GoTime::parse(layout, text).map_err(|message| call.error(message))
}

/// An RFC 3339 time argument.
fn time_arg(call: &Call<'_, '_>, index: usize) -> Result<GoTime> {
    parse(call, RFC3339, string_arg(call, index)?)
}

/// A Go duration argument.
fn duration_arg(call: &Call<'_, '_>, index: usize) -> Result<Duration> {
    Duration::parse(string_arg(call, index)?).map_err(|e| call.error(e.to_string()))
}

fn time_since(call: &Call<'_, '_>) -> Result<Value> {
    let layout = string_arg(call, 0)?;
    let layout = if layout.is_empty() { RFC3339 } else { layout };
    let start = parse(call, layout, string_arg(call, 1)?)?;
    let end_text = string_arg(call, 2)?;
    let end = if end_text.is_empty() {
        now(call)?
    } else {
        parse(call, layout, end_text)?
    };
    Ok(end.sub(start).to_string().into())
}

fn time_parse(call: &Call<'_, '_>) -> Result<Value> {
    let (layout, text) = (string_arg(call, 0)?, string_arg(call, 1)?);
    // A layout that is an integer means "the value is Unix seconds".
    if layout.parse::<i64>().is_ok() {
        let seconds: i64 = text.parse().map_err(|_| {
            Error::function(
                call.name,
                format!("strconv.ParseInt: parsing {text:?}: invalid syntax"),
            )
        })?;
        return Ok(GoTime::from_unix(seconds).format_rfc3339().into());
    }
    Ok(parse(call, layout, text)?.format_rfc3339().into())
}

#[cfg(test)]
mod tests {
    use crate::{search, Runtime};
    use serde_json::{json, Value};

    fn eval(expression: &str) -> Value {
        let runtime = Runtime::kyverno().with_now(1_700_000_000);
        search(expression, &Value::Null, &runtime).unwrap_or_else(|e| panic!("{expression}: {e}"))
    }

    #[test]
    fn time_functions() {
        assert_eq!(eval("time_now_utc()"), json!("2023-11-14T22:13:20Z"));
        assert_eq!(eval("time_now()"), json!("2023-11-14T22:13:20Z"));
        assert_eq!(
            eval("time_since('', '2023-11-14T20:13:20Z', '')"),
            json!("2h0m0s")
        );
        assert_eq!(
            eval("time_since('', '2021-01-02T15:04:05Z', '2021-01-02T16:34:06Z')"),
            json!("1h30m1s")
        );
        assert_eq!(
            eval("time_since('2006-01-02', '2021-01-01', '2021-01-03')"),
            json!("48h0m0s")
        );
        assert_eq!(
            eval("time_add('2021-01-02T15:04:05Z', '1h')"),
            json!("2021-01-02T16:04:05Z")
        );
        assert_eq!(
            eval("time_add('2021-01-02T15:04:05+01:00', '-30m')"),
            json!("2021-01-02T14:34:05+01:00")
        );
        assert_eq!(
            eval("time_parse('2006-01-02', '2021-01-02')"),
            json!("2021-01-02T00:00:00Z")
        );
        assert_eq!(
            eval("time_parse('1136214245', '1136214245')"),
            json!("2006-01-02T15:04:05Z")
        );
        assert_eq!(
            eval("time_parse('Mon Jan 02 2006 15:04:05 -0700', 'Sat Jan 02 2021 15:04:05 +0100')"),
            json!("2021-01-02T15:04:05+01:00")
        );
        assert_eq!(
            eval("time_to_cron('2021-01-02T15:04:05Z')"),
            json!("4 15 2 1 6")
        );
        assert_eq!(
            eval("time_utc('2021-01-02T18:04:05+03:00')"),
            json!("2021-01-02T15:04:05Z")
        );
        assert_eq!(
            eval("time_diff('2021-01-01T00:00:00Z', '2021-01-01T00:00:01Z')"),
            json!("1s")
        );
        assert_eq!(
            eval("time_diff('2021-01-01T00:00:01Z', '2021-01-01T00:00:00Z')"),
            json!("-1s")
        );
        assert_eq!(
            eval("time_before('2021-01-01T00:00:00Z', '2021-01-01T00:00:01Z')"),
            json!(true)
        );
        assert_eq!(
            eval("time_after('2021-01-01T00:00:00Z', '2021-01-01T00:00:01Z')"),
            json!(false)
        );
        assert_eq!(
            eval("time_between('2021-01-01T00:00:01Z', '2021-01-01T00:00:00Z', '2021-01-01T00:00:02Z')"),
            json!(true)
        );
        assert_eq!(
            eval("time_between('2021-01-01T00:00:00Z', '2021-01-01T00:00:00Z', '2021-01-01T00:00:02Z')"),
            json!(false)
        );
        assert_eq!(
            eval("time_truncate('2021-01-02T15:04:05Z', '1h')"),
            json!("2021-01-02T15:00:00Z")
        );
    }

    #[test]
    fn errors() {
        let runtime = Runtime::kyverno();
        let error = |expression: &str| {
            search(expression, &Value::Null, &runtime)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("time_now()"),
            "time_now needs a clock: none was given to the runtime"
        );
        assert_eq!(
            error("time_add('2021-01-02T15:04:05Z', '1d')"),
            r#"time: unknown unit "d" in duration "1d""#
        );
        assert_eq!(
            error("time_utc('yesterday')"),
            r#"parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#
        );
    }
}
