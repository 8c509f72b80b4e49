//! Wire-codec cross-checks against `postgres-protocol`, plus deterministic fuzzing.

use bytes::{BufMut, Bytes, BytesMut};
use pgsqlite::error::{PgError, SqlState};
use pgsqlite::protocol::backend::{self, FieldDescription, TransactionStatus};
use pgsqlite::protocol::codec::{
    CANCEL_REQUEST_CODE, DEFAULT_MAX_MESSAGE_LEN, Decoder, GSSENC_REQUEST_CODE,
    MAX_STARTUP_PACKET_LEN,
};
use pgsqlite::protocol::frontend::{FrontendMessage, StartupPacket, Target};
use pgsqlite::protocol::frontend::{parse_password, parse_sasl_initial};
use pgsqlite::protocol::types::Format;
use postgres_protocol::IsNull;
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;
// postgres-protocol's iterators are fallible; tokio-postgres re-exports the trait.
use tokio_postgres::fallible_iterator::FallibleIterator;

// ---------------------------------------------------------------------------------------------
// (1) Backend messages, read back by postgres-protocol
// ---------------------------------------------------------------------------------------------

/// Parses exactly one message from `buf` and checks nothing is left over.
fn parse_one(buf: &mut BytesMut) -> Message {
    let msg = Message::parse(buf)
        .expect("valid message")
        .expect("complete message");
    assert!(buf.is_empty(), "{} bytes left over", buf.len());
    msg
}

fn encoded(f: impl FnOnce(&mut BytesMut)) -> BytesMut {
    let mut buf = BytesMut::new();
    f(&mut buf);
    buf
}

#[test]
fn backend_authentication() {
    assert!(matches!(
        parse_one(&mut encoded(backend::authentication_ok)),
        Message::AuthenticationOk
    ));
    assert!(matches!(
        parse_one(&mut encoded(backend::authentication_cleartext_password)),
        Message::AuthenticationCleartextPassword
    ));
    match parse_one(&mut encoded(|b| {
        backend::authentication_md5_password(b, *b"salt")
    })) {
        Message::AuthenticationMd5Password(body) => assert_eq!(body.salt(), *b"salt"),
        _ => panic!("wrong message"),
    }
    let mechs = ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"];
    match parse_one(&mut encoded(|b| backend::authentication_sasl(b, &mechs))) {
        Message::AuthenticationSasl(body) => {
            let got: Vec<String> = body
                .mechanisms()
                .map(|m| Ok(m.to_owned()))
                .collect()
                .unwrap();
            assert_eq!(got, mechs);
        }
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| {
        backend::authentication_sasl_continue(b, b"r=1,s=2,i=4096")
    })) {
        Message::AuthenticationSaslContinue(body) => assert_eq!(body.data(), b"r=1,s=2,i=4096"),
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| {
        backend::authentication_sasl_final(b, b"v=abc")
    })) {
        Message::AuthenticationSaslFinal(body) => assert_eq!(body.data(), b"v=abc"),
        _ => panic!("wrong message"),
    }
}

#[test]
fn backend_session_messages() {
    match parse_one(&mut encoded(|b| {
        backend::parameter_status(b, "server_version", "16.0")
    })) {
        Message::ParameterStatus(body) => {
            assert_eq!(body.name().unwrap(), "server_version");
            assert_eq!(body.value().unwrap(), "16.0");
        }
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| backend::backend_key_data(b, 4242, -7))) {
        Message::BackendKeyData(body) => {
            assert_eq!(body.process_id(), 4242);
            assert_eq!(body.secret_key(), -7);
        }
        _ => panic!("wrong message"),
    }
    for (status, byte) in [
        (TransactionStatus::Idle, b'I'),
        (TransactionStatus::InBlock, b'T'),
        (TransactionStatus::Failed, b'E'),
    ] {
        match parse_one(&mut encoded(|b| backend::ready_for_query(b, status))) {
            Message::ReadyForQuery(body) => assert_eq!(body.status(), byte),
            _ => panic!("wrong message"),
        }
    }
    match parse_one(&mut encoded(|b| {
        backend::notification_response(b, 77, "chan", "payload")
    })) {
        Message::NotificationResponse(body) => {
            assert_eq!(body.process_id(), 77);
            assert_eq!(body.channel().unwrap(), "chan");
            assert_eq!(body.message().unwrap(), "payload");
        }
        _ => panic!("wrong message"),
    }
}

#[test]
fn backend_query_results() {
    let fields = [
        FieldDescription {
            name: "id",
            table_oid: 16384,
            column_id: 1,
            type_oid: 23,
            type_len: 4,
            type_modifier: -1,
            format: Format::Binary,
        },
        FieldDescription {
            name: "naïve name",
            table_oid: 0,
            column_id: 0,
            type_oid: 1043,
            type_len: -1,
            type_modifier: 24,
            format: Format::Text,
        },
    ];
    match parse_one(&mut encoded(|b| backend::row_description(b, &fields))) {
        Message::RowDescription(body) => {
            let got: Vec<_> = body
                .fields()
                .map(|f| {
                    Ok((
                        f.name().to_owned(),
                        f.table_oid(),
                        f.column_id(),
                        f.type_oid(),
                        f.type_size(),
                        f.type_modifier(),
                        f.format(),
                    ))
                })
                .collect()
                .unwrap();
            assert_eq!(
                got,
                vec![
                    ("id".to_owned(), 16384, 1, 23, 4, -1, 1),
                    ("naïve name".to_owned(), 0, 0, 1043, -1, 24, 0),
                ]
            );
        }
        _ => panic!("wrong message"),
    }

    let mut buf = encoded(|b| {
        let row = backend::begin_data_row(b, 4);
        backend::put_field(b, b"42");
        backend::put_null_field(b);
        backend::put_field(b, b"");
        let field = backend::begin_field(b);
        b.put_slice(b"in place");
        backend::finish_field(b, field);
        backend::finish(b, row);
    });
    match parse_one(&mut buf) {
        Message::DataRow(body) => {
            let ranges: Vec<_> = body.ranges().collect().unwrap();
            let values: Vec<Option<&[u8]>> = ranges
                .iter()
                .map(|r| r.clone().map(|r| &body.buffer()[r]))
                .collect();
            assert_eq!(
                values,
                vec![
                    Some(&b"42"[..]),
                    None,
                    Some(&b""[..]),
                    Some(&b"in place"[..])
                ]
            );
        }
        _ => panic!("wrong message"),
    }

    match parse_one(&mut encoded(|b| {
        backend::command_complete_count(b, "INSERT 0", 5)
    })) {
        Message::CommandComplete(body) => assert_eq!(body.tag().unwrap(), "INSERT 0 5"),
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| {
        backend::command_complete_count(b, "SELECT", 3)
    })) {
        Message::CommandComplete(body) => assert_eq!(body.tag().unwrap(), "SELECT 3"),
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| {
        backend::command_complete(b, "CREATE TABLE")
    })) {
        Message::CommandComplete(body) => assert_eq!(body.tag().unwrap(), "CREATE TABLE"),
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| {
        backend::parameter_description(b, &[23, 25, 0])
    })) {
        Message::ParameterDescription(body) => {
            let types: Vec<u32> = body.parameters().collect().unwrap();
            assert_eq!(types, vec![23, 25, 0]);
        }
        _ => panic!("wrong message"),
    }
    assert!(matches!(
        parse_one(&mut encoded(backend::empty_query_response)),
        Message::EmptyQueryResponse
    ));
    assert!(matches!(
        parse_one(&mut encoded(backend::parse_complete)),
        Message::ParseComplete
    ));
    assert!(matches!(
        parse_one(&mut encoded(backend::bind_complete)),
        Message::BindComplete
    ));
    assert!(matches!(
        parse_one(&mut encoded(backend::close_complete)),
        Message::CloseComplete
    ));
    assert!(matches!(
        parse_one(&mut encoded(backend::no_data)),
        Message::NoData
    ));
    assert!(matches!(
        parse_one(&mut encoded(backend::portal_suspended)),
        Message::PortalSuspended
    ));
}

fn error_fields(fields: postgres_protocol::message::backend::ErrorFields<'_>) -> Vec<(u8, String)> {
    fields
        .map(|f| {
            Ok((
                f.type_(),
                String::from_utf8_lossy(f.value_bytes()).into_owned(),
            ))
        })
        .collect()
        .unwrap()
}

#[test]
fn backend_errors_and_notices() {
    let err = PgError::new(SqlState::UNDEFINED_TABLE, "relation \"t\" does not exist")
        .with_detail("detail text")
        .with_hint("hint text")
        .with_position(15);
    match parse_one(&mut encoded(|b| backend::error_response(b, &err))) {
        Message::ErrorResponse(body) => assert_eq!(
            error_fields(body.fields()),
            vec![
                (b'S', "ERROR".to_owned()),
                (b'V', "ERROR".to_owned()),
                (b'C', "42P01".to_owned()),
                (b'M', "relation \"t\" does not exist".to_owned()),
                (b'D', "detail text".to_owned()),
                (b'H', "hint text".to_owned()),
                (b'P', "15".to_owned()),
            ]
        ),
        _ => panic!("wrong message"),
    }
    let fatal = PgError::protocol("invalid message format");
    match parse_one(&mut encoded(|b| backend::error_response(b, &fatal))) {
        Message::ErrorResponse(body) => assert_eq!(
            error_fields(body.fields()),
            vec![
                (b'S', "FATAL".to_owned()),
                (b'V', "FATAL".to_owned()),
                (b'C', "08P01".to_owned()),
                (b'M', "invalid message format".to_owned()),
            ]
        ),
        _ => panic!("wrong message"),
    }
    let notice = PgError::warning(SqlState::WARNING, "there is no transaction in progress");
    match parse_one(&mut encoded(|b| backend::notice_response(b, &notice))) {
        Message::NoticeResponse(body) => assert_eq!(
            error_fields(body.fields()),
            vec![
                (b'S', "WARNING".to_owned()),
                (b'V', "WARNING".to_owned()),
                (b'C', "01000".to_owned()),
                (b'M', "there is no transaction in progress".to_owned()),
            ]
        ),
        _ => panic!("wrong message"),
    }
}

#[test]
fn backend_copy() {
    let cols = [Format::Text, Format::Text, Format::Text];
    match parse_one(&mut encoded(|b| {
        backend::copy_in_response(b, Format::Text, &cols)
    })) {
        Message::CopyInResponse(body) => {
            assert_eq!(body.format(), 0);
            let f: Vec<u16> = body.column_formats().collect().unwrap();
            assert_eq!(f, vec![0, 0, 0]);
        }
        _ => panic!("wrong message"),
    }
    let cols = [Format::Binary, Format::Binary];
    match parse_one(&mut encoded(|b| {
        backend::copy_out_response(b, Format::Binary, &cols)
    })) {
        Message::CopyOutResponse(body) => {
            assert_eq!(body.format(), 1);
            let f: Vec<u16> = body.column_formats().collect().unwrap();
            assert_eq!(f, vec![1, 1]);
        }
        _ => panic!("wrong message"),
    }
    match parse_one(&mut encoded(|b| backend::copy_data(b, b"1\tfoo\n"))) {
        Message::CopyData(body) => assert_eq!(body.data(), b"1\tfoo\n"),
        _ => panic!("wrong message"),
    }
    assert!(matches!(
        parse_one(&mut encoded(backend::copy_done)),
        Message::CopyDone
    ));
}

/// postgres-protocol does not parse these two; check the layout by hand.
#[test]
fn backend_messages_postgres_protocol_lacks() {
    let buf = encoded(|b| backend::function_call_response(b, Some(b"abc")));
    assert_eq!(&buf[..], b"V\0\0\0\x0b\0\0\0\x03abc");
    let buf = encoded(|b| backend::function_call_response(b, None));
    assert_eq!(&buf[..], b"V\0\0\0\x08\xff\xff\xff\xff");
    let buf = encoded(|b| backend::negotiate_protocol_version(b, 2, &["_pq_.a", "_pq_.b"]));
    assert_eq!(&buf[..], b"v\0\0\0\x1a\0\0\0\x02\0\0\0\x02_pq_.a\0_pq_.b\0");
    assert_eq!(backend::SSL_NOT_SUPPORTED, b'N');
}

#[test]
fn backend_stream_of_messages() {
    // A typical simple-query answer, parsed back in sequence.
    let mut buf = BytesMut::new();
    backend::row_description(
        &mut buf,
        &[FieldDescription {
            name: "?column?",
            table_oid: 0,
            column_id: 0,
            type_oid: 23,
            type_len: 4,
            type_modifier: -1,
            format: Format::Text,
        }],
    );
    for i in 0..3u8 {
        let row = backend::begin_data_row(&mut buf, 1);
        backend::put_field(&mut buf, &[b'0' + i]);
        backend::finish(&mut buf, row);
    }
    backend::command_complete_count(&mut buf, "SELECT", 3);
    backend::ready_for_query(&mut buf, TransactionStatus::Idle);
    let mut kinds = Vec::new();
    while let Some(msg) = Message::parse(&mut buf).unwrap() {
        kinds.push(match msg {
            Message::RowDescription(_) => 'T',
            Message::DataRow(_) => 'D',
            Message::CommandComplete(_) => 'C',
            Message::ReadyForQuery(_) => 'Z',
            _ => '?',
        });
    }
    assert_eq!(kinds.into_iter().collect::<String>(), "TDDDCZ");
}

// ---------------------------------------------------------------------------------------------
// (2) Frontend messages built by postgres-protocol, decoded by us
// ---------------------------------------------------------------------------------------------

fn decode_all(raw: &BytesMut) -> Vec<FrontendMessage> {
    let mut buf = raw.clone();
    let d = Decoder::default();
    let mut out = Vec::new();
    while let Some(msg) = d.decode(&mut buf).unwrap() {
        out.push(msg);
    }
    assert!(buf.is_empty());
    out
}

fn decode_one(raw: &BytesMut) -> FrontendMessage {
    let mut all = decode_all(raw);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

#[test]
fn frontend_startup_packets() {
    let d = Decoder::default();
    let mut buf = BytesMut::new();
    frontend::startup_message(
        [
            ("user", "alice"),
            ("database", "shop"),
            ("application_name", "psql"),
        ],
        &mut buf,
    )
    .unwrap();
    match d.decode_startup(&mut buf).unwrap() {
        Some(StartupPacket::Startup(s)) => {
            assert_eq!((s.major, s.minor), (3, 0));
            assert_eq!(s.param("user"), Some("alice"));
            assert_eq!(s.param("database"), Some("shop"));
            assert_eq!(s.param("application_name"), Some("psql"));
            assert_eq!(s.params.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    assert!(buf.is_empty());

    frontend::ssl_request(&mut buf);
    assert_eq!(
        d.decode_startup(&mut buf).unwrap(),
        Some(StartupPacket::SslRequest)
    );

    frontend::cancel_request(1234, 0x0102_0304, &mut buf);
    assert_eq!(
        d.decode_startup(&mut buf).unwrap(),
        Some(StartupPacket::Cancel {
            process_id: 1234,
            secret_key: Bytes::from_static(&[1, 2, 3, 4]),
        })
    );

    // GSSENCRequest and a protocol 3.2 cancel with a 32-byte key, built by hand.
    buf.put_u32(8);
    buf.put_i32(GSSENC_REQUEST_CODE);
    buf.put_u32(12 + 32);
    buf.put_i32(CANCEL_REQUEST_CODE);
    buf.put_i32(5);
    buf.put_slice(&[9; 32]);
    assert_eq!(
        d.decode_startup(&mut buf).unwrap(),
        Some(StartupPacket::GssEncRequest)
    );
    match d.decode_startup(&mut buf).unwrap() {
        Some(StartupPacket::Cancel {
            process_id: 5,
            secret_key,
        }) => {
            assert_eq!(&secret_key[..], &[9; 32])
        }
        other => panic!("{other:?}"),
    }
    assert!(buf.is_empty());
}

#[test]
fn frontend_simple_and_extended() {
    let mut raw = BytesMut::new();
    frontend::query("SELECT 'é'", &mut raw).unwrap();
    frontend::parse("s1", "SELECT $1, $2", [23, 0], &mut raw).unwrap();
    frontend::bind(
        "p1",
        "s1",
        [1, 0],
        [Some(&b"\0\0\0\x05"[..]), None],
        |v, buf| match v {
            Some(v) => {
                buf.put_slice(v);
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        },
        [1],
        &mut raw,
    )
    .map_err(|_| "bind")
    .unwrap();
    frontend::describe(b'S', "s1", &mut raw).unwrap();
    frontend::describe(b'P', "p1", &mut raw).unwrap();
    frontend::execute("p1", 10, &mut raw).unwrap();
    frontend::execute("", 0, &mut raw).unwrap();
    frontend::close(b'S', "s1", &mut raw).unwrap();
    frontend::close(b'P', "", &mut raw).unwrap();
    frontend::flush(&mut raw);
    frontend::sync(&mut raw);
    frontend::terminate(&mut raw);

    let msgs = decode_all(&raw);
    assert_eq!(msgs.len(), 12);
    assert_eq!(
        msgs[0],
        FrontendMessage::Query {
            sql: "SELECT 'é'".into()
        }
    );
    match &msgs[1] {
        FrontendMessage::Parse {
            name,
            sql,
            param_types,
        } => {
            assert_eq!(name, "s1");
            assert_eq!(sql, "SELECT $1, $2");
            assert_eq!(param_types.as_slice(), &[23, 0]);
        }
        other => panic!("{other:?}"),
    }
    match &msgs[2] {
        FrontendMessage::Bind(b) => {
            assert_eq!(b.portal, "p1");
            assert_eq!(b.statement, "s1");
            assert_eq!(b.param_formats.as_slice(), &[Format::Binary, Format::Text]);
            assert_eq!(
                b.params.as_slice(),
                &[Some(Bytes::from_static(b"\0\0\0\x05")), None]
            );
            assert_eq!(b.result_formats.as_slice(), &[Format::Binary]);
            assert_eq!(b.param_format(0), Format::Binary);
            assert_eq!(b.param_format(1), Format::Text);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        msgs[3],
        FrontendMessage::Describe {
            target: Target::Statement,
            name: "s1".into()
        }
    );
    assert_eq!(
        msgs[4],
        FrontendMessage::Describe {
            target: Target::Portal,
            name: "p1".into()
        }
    );
    assert_eq!(
        msgs[5],
        FrontendMessage::Execute {
            portal: "p1".into(),
            max_rows: 10
        }
    );
    assert_eq!(
        msgs[6],
        FrontendMessage::Execute {
            portal: "".into(),
            max_rows: 0
        }
    );
    assert_eq!(
        msgs[7],
        FrontendMessage::Close {
            target: Target::Statement,
            name: "s1".into()
        }
    );
    assert_eq!(
        msgs[8],
        FrontendMessage::Close {
            target: Target::Portal,
            name: "".into()
        }
    );
    assert_eq!(msgs[9], FrontendMessage::Flush);
    assert_eq!(msgs[10], FrontendMessage::Sync);
    assert_eq!(msgs[11], FrontendMessage::Terminate);
    let tags: Vec<u8> = msgs.iter().map(FrontendMessage::tag).collect();
    assert_eq!(tags, b"QPBDDEECCHSX");
}

#[test]
fn frontend_auth_and_copy() {
    let mut raw = BytesMut::new();
    frontend::password_message(b"hunter2", &mut raw).unwrap();
    let FrontendMessage::Password(body) = decode_one(&raw) else {
        panic!()
    };
    assert_eq!(parse_password(&body).unwrap(), "hunter2");

    let mut raw = BytesMut::new();
    frontend::sasl_initial_response("SCRAM-SHA-256", b"n,,n=,r=abc", &mut raw).unwrap();
    let FrontendMessage::Password(body) = decode_one(&raw) else {
        panic!()
    };
    let (mechanism, data) = parse_sasl_initial(&body).unwrap();
    assert_eq!(mechanism, "SCRAM-SHA-256");
    assert_eq!(data.as_deref(), Some(&b"n,,n=,r=abc"[..]));

    let mut raw = BytesMut::new();
    frontend::sasl_response(b"c=biws,r=abc,p=xyz", &mut raw).unwrap();
    assert_eq!(
        decode_one(&raw),
        FrontendMessage::Password(Bytes::from_static(b"c=biws,r=abc,p=xyz"))
    );

    let mut raw = BytesMut::new();
    frontend::CopyData::new(&b"1\tone\n"[..])
        .unwrap()
        .write(&mut raw);
    frontend::copy_done(&mut raw);
    frontend::copy_fail("client gave up", &mut raw).unwrap();
    let msgs = decode_all(&raw);
    assert_eq!(
        msgs,
        vec![
            FrontendMessage::CopyData(Bytes::from_static(b"1\tone\n")),
            FrontendMessage::CopyDone,
            FrontendMessage::CopyFail {
                message: "client gave up".into()
            },
        ]
    );
}

#[test]
fn frontend_split_reads() {
    let mut raw = BytesMut::new();
    frontend::parse("", "SELECT * FROM t WHERE id = $1", [20], &mut raw).unwrap();
    frontend::sync(&mut raw);
    let d = Decoder::default();
    // Every chunk size, including byte by byte.
    for chunk in 1..raw.len() {
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for piece in raw.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Some(msg) = d.decode(&mut buf).unwrap() {
                got.push(msg.tag());
            }
        }
        assert_eq!(got, b"PS", "chunk size {chunk}");
        assert!(buf.is_empty());
    }
    // Same for a startup packet.
    let mut raw = BytesMut::new();
    frontend::startup_message([("user", "u")], &mut raw).unwrap();
    let mut buf = BytesMut::new();
    for (i, &b) in raw.iter().enumerate() {
        assert_eq!(d.decode_startup(&mut buf).unwrap(), None, "after {i} bytes");
        buf.put_u8(b);
    }
    assert!(matches!(
        d.decode_startup(&mut buf).unwrap(),
        Some(StartupPacket::Startup(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// (3) Deterministic fuzzing
// ---------------------------------------------------------------------------------------------

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A pool of valid frontend messages to mutate.
fn valid_messages() -> Vec<BytesMut> {
    let mut out = Vec::new();
    let mut push = |f: &dyn Fn(&mut BytesMut)| {
        let mut b = BytesMut::new();
        f(&mut b);
        out.push(b);
    };
    push(&|b| frontend::query("SELECT 1; SELECT 'x'", b).unwrap());
    push(&|b| frontend::parse("n", "SELECT $1::int", [23, 25, 0], b).unwrap());
    push(&|b| {
        frontend::bind(
            "p",
            "s",
            [1, 0, 1],
            [Some(&b"abcd"[..]), None, Some(&b""[..])],
            |v, buf| match v {
                Some(v) => {
                    buf.put_slice(v);
                    Ok(IsNull::No)
                }
                None => Ok(IsNull::Yes),
            },
            [0, 1],
            b,
        )
        .map_err(|_| "bind")
        .unwrap()
    });
    push(&|b| frontend::describe(b'S', "stmt", b).unwrap());
    push(&|b| frontend::execute("portal", 5, b).unwrap());
    push(&|b| frontend::close(b'P', "portal", b).unwrap());
    push(&|b| frontend::sync(b));
    push(&|b| frontend::flush(b));
    push(&|b| frontend::terminate(b));
    push(&|b| frontend::password_message(b"pw", b).unwrap());
    push(&|b| frontend::sasl_initial_response("SCRAM-SHA-256", b"n,,", b).unwrap());
    push(&|b| frontend::CopyData::new(&b"a,b\n"[..]).unwrap().write(b));
    push(&|b| frontend::copy_done(b));
    push(&|b| frontend::copy_fail("x", b).unwrap());
    // FunctionCall by hand.
    push(&|b| {
        b.put_u8(b'F');
        b.put_u32(4 + 4 + 2 + 2 + 2 + 4 + 2 + 4 + 2);
        b.put_u32(1234);
        b.put_u16(1);
        b.put_i16(1);
        b.put_u16(2);
        b.put_i32(2);
        b.put_slice(b"hi");
        b.put_i32(-1);
        b.put_i16(0);
    });
    out
}

fn valid_startup_packets() -> Vec<BytesMut> {
    let mut out = Vec::new();
    let mut b = BytesMut::new();
    frontend::startup_message([("user", "u"), ("database", "d")], &mut b).unwrap();
    out.push(b);
    let mut b = BytesMut::new();
    frontend::ssl_request(&mut b);
    out.push(b);
    let mut b = BytesMut::new();
    frontend::cancel_request(1, 2, &mut b);
    out.push(b);
    out
}

/// Outcome counts of a fuzz run.
#[derive(Default, Debug)]
struct Stats {
    messages: usize,
    errors: usize,
    incomplete: usize,
}

/// Runs one input through a decoder loop; must not panic, must make progress or stop.
fn feed(d: &Decoder, input: &[u8], startup: bool, stats: &mut Stats) {
    let mut buf = BytesMut::from(input);
    loop {
        let before = buf.len();
        let result = if startup {
            d.decode_startup(&mut buf).map(|m| m.is_some())
        } else {
            let complete = Decoder::has_complete_message(&buf);
            let r = d.decode(&mut buf).map(|m| m.is_some());
            if matches!(r, Ok(false)) {
                assert!(!complete, "has_complete_message disagrees with decode");
            }
            r
        };
        // Never more than the capped step is reserved for what is missing.
        assert!(buf.capacity() <= input.len() + (2 << 20));
        match result {
            Ok(true) => {
                stats.messages += 1;
                assert!(buf.len() < before, "a decoded message must consume bytes");
            }
            Ok(false) => {
                stats.incomplete += 1;
                break;
            }
            Err(e) => {
                stats.errors += 1;
                assert!(
                    e.code == SqlState::PROTOCOL_VIOLATION
                        || e.code == SqlState::CHARACTER_NOT_IN_REPERTOIRE
                        || e.code == SqlState::INVALID_PARAMETER_VALUE,
                    "{e}"
                );
                break;
            }
        }
    }
}

fn mutate(rng: &mut XorShift, msg: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(msg);
    match rng.below(5) {
        0 => {
            // Flip a few random bytes.
            for _ in 0..=rng.below(3) {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
        }
        1 => {
            // Truncate.
            let n = rng.below(out.len());
            out.truncate(n);
        }
        2 => {
            // Corrupt the length field (at 1 for tagged, 0 for startup: try both).
            let at = rng.below(2);
            if out.len() >= at + 4 {
                let v = match rng.below(4) {
                    0 => rng.next() as u32,
                    1 => (out.len() as u32)
                        .wrapping_add(rng.below(8) as u32)
                        .wrapping_sub(4),
                    2 => u32::MAX - rng.below(4) as u32,
                    _ => rng.below(8) as u32,
                };
                out[at..at + 4].copy_from_slice(&v.to_be_bytes());
            }
        }
        3 => {
            // Insert or delete a byte inside the body.
            let i = rng.below(out.len());
            if rng.below(2) == 0 {
                out.insert(i, rng.next() as u8);
            } else {
                out.remove(i);
            }
        }
        _ => {
            // Set a byte to a boundary value (NUL, 0xff, '-1' start).
            let i = rng.below(out.len());
            out[i] = [0u8, 0xff, 0x80, 1][rng.below(4)];
        }
    }
}

#[test]
fn fuzz_random_bytes() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let decoders = [Decoder::default(), Decoder::new(64)];
    let mut stats = Stats::default();
    let mut input = Vec::with_capacity(64);
    for i in 0..60_000 {
        input.clear();
        let startup = i % 3 == 0;
        let body_len = rng.below(40);
        let mut body: Vec<u8> = (0..body_len).map(|_| rng.next() as u8).collect();
        if rng.below(2) == 0 {
            // Plausible framing around random bytes, so that bodies get parsed too.
            if !startup {
                input.push(b"QPBDECSHXpdcfF"[rng.below(14)]);
            }
            let declared = body_len as u32 + 4 + if startup { 0 } else { rng.below(3) as u32 };
            input.extend_from_slice(&declared.wrapping_sub(rng.below(2) as u32).to_be_bytes());
            if startup && rng.below(2) == 0 && body.len() >= 4 {
                // A protocol 3.0 version code, or one of the request codes.
                let code = [196_608, CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE][rng.below(3)];
                body[..4].copy_from_slice(&code.to_be_bytes());
            }
        }
        input.extend_from_slice(&body);
        feed(&decoders[i % 2], &input, startup, &mut stats);
    }
    assert!(
        stats.messages > 1_000 && stats.errors > 10_000 && stats.incomplete > 1_000,
        "{stats:?}"
    );
}

#[test]
fn fuzz_mutated_messages() {
    let mut rng = XorShift(0x0123_4567_89ab_cdef);
    let messages = valid_messages();
    let startups = valid_startup_packets();
    let d = Decoder::default();
    let mut out = Vec::new();
    let mut valid_seen = 0;
    let mut stats = Stats::default();
    for i in 0..140_000 {
        if i % 4 == 0 {
            let p = &startups[rng.below(startups.len())];
            mutate(&mut rng, p, &mut out);
            feed(&d, &out, true, &mut stats);
        } else {
            let m = &messages[rng.below(messages.len())];
            mutate(&mut rng, m, &mut out);
            // Sometimes glue a valid message behind it.
            if rng.below(4) == 0 {
                out.extend_from_slice(&messages[rng.below(messages.len())]);
            }
            feed(&d, &out, false, &mut stats);
        }
        if i % 1000 == 0 {
            // The unmutated pool still decodes.
            for m in &messages {
                assert!(d.decode(&mut m.clone()).unwrap().is_some());
                valid_seen += 1;
            }
        }
    }
    assert!(valid_seen > 0);
    assert!(
        stats.messages > 10_000 && stats.errors > 10_000 && stats.incomplete > 10_000,
        "{stats:?}"
    );
}

#[test]
fn oversized_lengths_are_refused_before_allocating() {
    // Just above the default maximum: refused outright, nothing reserved.
    let d = Decoder::default();
    let too_long = (DEFAULT_MAX_MESSAGE_LEN + 5) as u32;
    let mut buf = BytesMut::with_capacity(16);
    buf.put_u8(b'd');
    buf.put_u32(too_long);
    let e = d.decode(&mut buf).unwrap_err();
    assert_eq!(e.code, SqlState::PROTOCOL_VIOLATION);
    assert!(e.is_fatal());
    assert!(e.message.contains("exceeds the maximum"), "{e}");
    assert!(buf.capacity() < 1024, "capacity {}", buf.capacity());

    // A 1 GiB declaration within the limit only reserves a bounded step.
    let mut buf = BytesMut::with_capacity(16);
    buf.put_u8(b'd');
    buf.put_u32(1 << 30);
    assert_eq!(d.decode(&mut buf).unwrap(), None);
    assert!(buf.capacity() <= 4 << 20, "capacity {}", buf.capacity());

    // With a smaller configured maximum the same header is an error, and nothing is reserved.
    let d = Decoder::new(1 << 20);
    let mut buf = BytesMut::with_capacity(16);
    buf.put_u8(b'Q');
    buf.put_u32(1 << 30);
    let e = d.decode(&mut buf).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "message of {} bytes exceeds the maximum of {}",
            (1 << 30) - 4,
            1 << 20
        )
    );
    assert!(buf.capacity() < 1024);

    // Startup packets: 1 GiB and negative lengths.
    for len in [1u32 << 30, u32::MAX, (MAX_STARTUP_PACKET_LEN + 5) as u32] {
        let mut buf = BytesMut::with_capacity(16);
        buf.put_u32(len);
        buf.put_i32(196608);
        assert!(d.decode_startup(&mut buf).is_err());
        assert!(buf.capacity() < 1024);
    }
}
