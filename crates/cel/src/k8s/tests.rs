//! The examples of the Kubernetes CEL libraries' documentation
//! (`k8s.io/apiserver/pkg/cel/library/*.go`), evaluated.

use crate::{Activation, Env, Program, Value};

fn eval(source: &str) -> Result<Value<'static>, String> {
    let program = Program::compile(&Env::kubernetes(), source).map_err(|e| e.to_string())?;
    program
        .eval(&Activation::new())
        .map(Value::into_owned)
        .map_err(|e| e.to_string())
}

/// Each expression must evaluate to `true`.
#[track_caller]
fn all_true(cases: &[&str]) {
    for source in cases {
        assert_eq!(eval(source), Ok(Value::Bool(true)), "{source}");
    }
}

/// Each expression must fail at run time.
#[track_caller]
fn all_err(cases: &[&str]) {
    for source in cases {
        assert!(eval(source).is_err(), "{source}: expected an error");
    }
}

#[test]
fn quantity() {
    all_true(&[
        "isQuantity('1.3G')",
        "isQuantity('1.3Gi')",
        "!isQuantity('1,3G')",
        "isQuantity('10000k')",
        "!isQuantity('200K')",
        "!isQuantity('Three')",
        "!isQuantity('Mi')",
        "type(quantity('1.5G')) == kubernetes.Quantity",
        "quantity('50000000G').isInteger()",
        "quantity('50k').isInteger()",
        "quantity('50k').asInteger() == 50000",
        "quantity('50k').sub(20000).asApproximateFloat() == 30000.0",
        "quantity('50k').add(quantity('20k')) == quantity('70k')",
        "quantity('50k').add(20) == quantity('50020')",
        "quantity('50k').sub(quantity('20k')) == quantity('30k')",
        "quantity('50k').sub(20000) == quantity('30k')",
        "quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')",
        "quantity('200M').compareTo(quantity('0.2G')) == 0",
        "quantity('50M').compareTo(quantity('50Mi')) == -1",
        "quantity('50Mi').compareTo(quantity('50M')) == 1",
        "quantity('150Mi').isGreaterThan(quantity('100Mi'))",
        "!quantity('50Mi').isGreaterThan(quantity('100Mi'))",
        "quantity('50M').isLessThan(quantity('100M'))",
        "!quantity('100M').isLessThan(quantity('50M'))",
        "quantity('-5').sign() == -1 && quantity('0').sign() == 0 && quantity('5m').sign() == 1",
        "!quantity('1500m').isInteger()",
    ]);
    all_err(&[
        "quantity('200K')",
        "quantity('Three')",
        "quantity('Mi')",
        "quantity('1500m').asInteger()",
        "quantity('1') < quantity('2')",
    ]);
}

#[test]
fn semver() {
    all_true(&[
        "isSemver('1.0.0')",
        "!isSemver('hello')",
        "!isSemver('v1.0')",
        "isSemver('v1.0', true)",
        "isSemver('01.01.01', true)",
        "semver('v1.0.0', true) == semver('1.0.0')",
        "semver('1.0', true) == semver('1.0.0')",
        "semver('01.01.01', true) == semver('1.1.1')",
        "semver('1.2.3').major() == 1",
        "semver('1.2.3').minor() == 2",
        "semver('1.2.3').patch() == 3",
        "semver('1.2.3').compareTo(semver('1.2.3')) == 0",
        "semver('1.2.3').compareTo(semver('2.0.0')) == -1",
        "semver('1.2.3').compareTo(semver('0.1.2')) == 1",
        "semver('1.0.0').isLessThan(semver('1.1.0'))",
        "semver('1.1.0').isGreaterThan(semver('1.0.0'))",
        "semver('0.1.0-alpha.1').isLessThan(semver('0.1.0'))",
    ]);
    all_err(&["semver('200K')", "semver('Three')", "semver('Mi')"]);
}

#[test]
fn ip() {
    all_true(&[
        "isIP('127.0.0.1')",
        "isIP('::1')",
        "!isIP('127.0.0.256')",
        "!isIP(':::1')",
        "!isIP('::ffff:1.2.3.4')",
        "!isIP('fe80::1%eth0')",
        "!isIP('127.0.0.01')",
        "ip.isCanonical('127.0.0.1')",
        "ip.isCanonical('2001:db8::abcd')",
        "!ip.isCanonical('2001:DB8::ABCD')",
        "!ip.isCanonical('2001:db8::0:0:0:abcd')",
        "ip('127.0.0.1').family() == 4",
        "ip('::1').family() == 6",
        "ip('0.0.0.0').isUnspecified()",
        "!ip('127.0.0.1').isUnspecified()",
        "ip('::').isUnspecified()",
        "!ip('::1').isUnspecified()",
        "ip('127.0.0.1').isLoopback()",
        "!ip('192.168.0.1').isLoopback()",
        "ip('::1').isLoopback()",
        "!ip('2001:db8::abcd').isLoopback()",
        "ip('224.0.0.1').isLinkLocalMulticast()",
        "!ip('224.0.1.1').isLinkLocalMulticast()",
        "ip('ff02::1').isLinkLocalMulticast()",
        "!ip('fd00::1').isLinkLocalMulticast()",
        "ip('169.254.169.254').isLinkLocalUnicast()",
        "!ip('192.168.0.1').isLinkLocalUnicast()",
        "ip('fe80::1').isLinkLocalUnicast()",
        "!ip('fd80::1').isLinkLocalUnicast()",
        "ip('192.168.0.1').isGlobalUnicast()",
        "!ip('255.255.255.255').isGlobalUnicast()",
        "ip('2001:db8::abcd').isGlobalUnicast()",
        "!ip('ff00::1').isGlobalUnicast()",
        "string(ip('2001:DB8::ABCD')) == '2001:db8::abcd'",
        "ip('127.0.0.1') == ip('127.0.0.1')",
        "type(ip('127.0.0.1')) == net.IP",
    ]);
    all_err(&["ip('127.0.0.256')", "ip(':::1')"]);
}

#[test]
fn cidr() {
    all_true(&[
        "isCIDR('192.168.0.0/16')",
        "isCIDR('::1/128')",
        "!isCIDR('192.168.0.0/33')",
        "!isCIDR('::1/129')",
        "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))",
        "!cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))",
        "cidr('192.168.0.0/24').containsIP('192.168.0.1')",
        "!cidr('192.168.0.0/24').containsIP('192.168.1.1')",
        "cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))",
        "!cidr('192.168.1.0/24').containsCIDR(cidr('192.168.2.0/24'))",
        "cidr('192.168.0.0/16').containsCIDR('192.168.10.0/24')",
        "!cidr('192.168.1.0/24').containsCIDR('192.168.2.0/24')",
        "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
        "cidr('192.168.0.1/24').ip().family() == 4",
        "cidr('::1/128').ip() == ip('::1')",
        "cidr('::1/128').ip().family() == 6",
        "cidr('192.168.0.0/24').masked() == cidr('192.168.0.0/24')",
        "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
        "cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()",
        "cidr('192.168.0.1/24') != cidr('192.168.0.1/24').masked()",
        "cidr('192.168.0.0/16').prefixLength() == 16",
        "cidr('::1/128').prefixLength() == 128",
        "string(cidr('192.168.0.1/24')) == '192.168.0.1/24'",
        "!cidr('10.0.0.0/8').containsIP(ip('::1'))",
    ]);
    all_err(&[
        "cidr('192.168.0.0/33')",
        "cidr('::1/129')",
        "cidr('1.2.3.4')",
    ]);
}

#[test]
fn urls() {
    all_true(&[
        "isURL('https://user:pass@example.com:80/path?query=val#fragment')",
        "isURL('/absolute-path')",
        "!isURL('https://a:b:c/')",
        "!isURL('../relative-path')",
        "url('/path').getScheme() == ''",
        "url('https://example.com/').getScheme() == 'https'",
        "url('https://example.com:80/').getHost() == 'example.com:80'",
        "url('https://example.com/').getHost() == 'example.com'",
        "url('https://[::1]:80/').getHost() == '[::1]:80'",
        "url('https://[::1]/').getHost() == '[::1]'",
        "url('/path').getHost() == ''",
        "url('https://example.com:80/').getHostname() == 'example.com'",
        "url('https://127.0.0.1:80/').getHostname() == '127.0.0.1'",
        "url('https://[::1]:80/').getHostname() == '::1'",
        "url('/path').getHostname() == ''",
        "url('https://example.com:80/').getPort() == '80'",
        "url('https://example.com/').getPort() == ''",
        "url('/path').getPort() == ''",
        "url('https://example.com/path').getEscapedPath() == '/path'",
        "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
        "url('https://example.com').getEscapedPath() == ''",
        "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
        "url('https://example.com/path?key with spaces=value with spaces').getQuery() == {'key with spaces': ['value with spaces']}",
        "url('https://example.com/path?').getQuery() == {}",
        "url('https://example.com/path').getQuery() == {}",
    ]);
    all_err(&["url('https://a:b:c/')", "url('../relative-path')"]);
}

#[test]
fn regex_find() {
    all_true(&[
        "'abc 123'.find('[0-9]+') == '123'",
        "'abc 123'.find('xyz') == ''",
        "'123 abc 456'.findAll('[0-9]+') == ['123', '456']",
        "'123 abc 456'.findAll('[0-9]+', 1) == ['123']",
        "'123 abc 456'.findAll('xyz') == []",
        "'a 1 b 2'.find('[0-9]') == '1'",
    ]);
    assert!(Program::compile(&Env::kubernetes(), "'a'.find('(')").is_err());
    all_err(&["cel.bind(p, '(', 'a'.find(p))"]);
}

#[test]
fn lists() {
    all_true(&[
        "[1, 2, 3].isSorted()",
        "['a', 'b', 'b', 'c'].isSorted()",
        "![2.0, 1.0].isSorted()",
        "[1].isSorted()",
        "[].isSorted()",
        "[1, 3].sum() == 4",
        "[1.0, 3.0].sum() == 4.0",
        "[duration('1m'), duration('1s')].sum() == duration('1m1s')",
        "[].sum() == 0",
        "[1, 3].min() == 1",
        "[1, 3].max() == 3",
        "[1].min() == 1",
        "[1, 2, 2, 3].indexOf(2) == 1",
        "['a', 'b', 'b', 'c'].lastIndexOf('b') == 2",
        "[1.0].indexOf(1.1) == -1",
        "[].indexOf('string') == -1",
    ]);
    all_err(&["[].min()", "[].max()"]);
}

#[test]
fn named_formats() {
    all_true(&[
        "!format.dns1123Label().validate('my-label-name').hasValue()",
        "!format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()",
        "!format.dns1035Label().validate('my-label-name').hasValue()",
        "!format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()",
        "!format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()",
        "!format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-').hasValue()",
        "!format.dns1035LabelPrefix().validate('my-label-prefix-').hasValue()",
        "!format.uri().validate('http://example.com').hasValue()",
        "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
        "!format.byte().validate('aGVsbG8=').hasValue()",
        "!format.date().validate('2021-01-01').hasValue()",
        "!format.datetime().validate('2021-01-01T00:00:00Z').hasValue()",
        "format.named('dns1123Label').value().validate('Not_A_Label').value().size() == 1",
        "!format.named('nope').hasValue()",
        "format.named('dns1123Label').value() == format.dns1123Label()",
        "format.dns1123Label().validate('a.b').value() == ['must not contain dots']",
        "format.labelValue().validate('-bad').hasValue()",
    ]);
}
