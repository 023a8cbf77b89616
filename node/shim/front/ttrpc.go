package front

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The two messages the front exchanges, encoded by hand so that it links
// no protobuf runtime (whose descriptors cost start-up time).
//
// A ttrpc message (github.com/containerd/ttrpc, channel.go) is a 10-byte
// header and a protobuf body:
//
//	+--------+------+---------------------------------------------+
//	| offset | size | field                                       |
//	+--------+------+---------------------------------------------+
//	| 0      | 4    | body length, big-endian, at most 4 MiB      |
//	| 4      | 4    | stream id, big-endian (odd from a client)   |
//	| 8      | 1    | type: 1 request, 2 response                 |
//	| 9      | 1    | flags (0)                                   |
//	| 10     | len  | body: ttrpc.Request or ttrpc.Response       |
//	+--------+------+---------------------------------------------+
//
// Request is {1 service string, 2 method string, 3 payload bytes};
// Response is {1 status google.rpc.Status{1 code, 2 message}, 2 payload}.
// The task API's ConnectRequest is {1 id string}; its DeleteResponse
// {1 pid, 2 exit_status, 3 exited_at google.protobuf.Timestamp{1 seconds,
// 2 nanos}} (containerd/api runtime/task/v2/shim.proto).

const (
	ttrpcHeaderLen  = 10
	ttrpcMaxMessage = 4 << 20
	ttrpcRequest    = 1
	ttrpcResponse   = 2
)

// taskService is the task API's ttrpc service name.
const taskService = "containerd.task.v2.Task"

// ErrReserve wraps the refusal of a reservation by a shim (one that is
// exiting answers with the Unavailable code).
var ErrReserve = errors.New("front: the shim refused the reservation")

// Reserve calls the task API's Connect for container id on the shim
// serving the unix socket at path: node/shim.Service.Connect then keeps
// that shim running for the container's Create. The whole exchange is
// bounded by timeout.
func Reserve(path, id string, timeout time.Duration) error {
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	body := appendBytes(nil, 1, []byte(taskService))
	body = appendBytes(body, 2, []byte("Connect"))
	body = appendBytes(body, 3, appendBytes(nil, 1, []byte(id)))
	msg := make([]byte, ttrpcHeaderLen, ttrpcHeaderLen+len(body))
	binary.BigEndian.PutUint32(msg[0:], uint32(len(body)))
	binary.BigEndian.PutUint32(msg[4:], 1)
	msg[8] = ttrpcRequest
	if _, err := conn.Write(append(msg, body...)); err != nil {
		return fmt.Errorf("reserve: %w", err)
	}
	var h [ttrpcHeaderLen]byte
	if _, err := io.ReadFull(conn, h[:]); err != nil {
		return fmt.Errorf("reserve: %w", err)
	}
	n := binary.BigEndian.Uint32(h[0:])
	if n > ttrpcMaxMessage || binary.BigEndian.Uint32(h[4:]) != 1 || h[8] != ttrpcResponse {
		return fmt.Errorf("reserve: unexpected ttrpc message (type %d, stream %d, %d bytes)", h[8], binary.BigEndian.Uint32(h[4:]), n)
	}
	resp := make([]byte, n)
	if _, err := io.ReadFull(conn, resp); err != nil {
		return fmt.Errorf("reserve: %w", err)
	}
	code, message, err := responseStatus(resp)
	if err != nil {
		return fmt.Errorf("reserve: %w", err)
	}
	if code != 0 {
		return fmt.Errorf("%w: code %d: %s", ErrReserve, code, message)
	}
	return nil
}

// responseStatus returns the status of a ttrpc Response body.
func responseStatus(b []byte) (code uint64, message string, err error) {
	status, err := field(b, 1)
	if err != nil || status == nil {
		return 0, "", err
	}
	if code, err = varintField(status, 1); err != nil {
		return 0, "", err
	}
	m, err := field(status, 2)
	return code, string(m), err
}

// DeleteResponse is the encoded task API DeleteResponse the `delete`
// action prints.
func DeleteResponse(pid, exitStatus uint32, exitedAt time.Time) []byte {
	var b []byte
	if pid != 0 {
		b = appendVarint(b, 1, uint64(pid))
	}
	if exitStatus != 0 {
		b = appendVarint(b, 2, uint64(exitStatus))
	}
	var ts []byte
	if s := exitedAt.Unix(); s != 0 {
		ts = appendVarint(ts, 1, uint64(s))
	}
	if ns := exitedAt.Nanosecond(); ns != 0 {
		ts = appendVarint(ts, 2, uint64(ns))
	}
	return appendBytes(b, 3, ts)
}

// Protobuf wire format (protobuf.dev/programming-guides/encoding).
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendVarint(b []byte, num int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|wireVarint)
	return binary.AppendUvarint(b, v)
}

func appendBytes(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

var errWire = errors.New("front: malformed protobuf")

// next splits the first field off b: its number, wire type, value (the
// bytes of a length-delimited field; the varint in v otherwise) and the
// rest.
func next(b []byte) (num int, typ int, v uint64, data, rest []byte, err error) {
	tag, n := binary.Uvarint(b)
	if n <= 0 || tag>>3 == 0 || tag>>3 > 1<<29 {
		return 0, 0, 0, nil, nil, errWire
	}
	b = b[n:]
	num, typ = int(tag>>3), int(tag&7)
	switch typ {
	case wireVarint:
		if v, n = binary.Uvarint(b); n <= 0 {
			return 0, 0, 0, nil, nil, errWire
		}
		return num, typ, v, nil, b[n:], nil
	case wireFixed64:
		if len(b) < 8 {
			return 0, 0, 0, nil, nil, errWire
		}
		return num, typ, binary.LittleEndian.Uint64(b), nil, b[8:], nil
	case wireFixed32:
		if len(b) < 4 {
			return 0, 0, 0, nil, nil, errWire
		}
		return num, typ, uint64(binary.LittleEndian.Uint32(b)), nil, b[4:], nil
	case wireBytes:
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return 0, 0, 0, nil, nil, errWire
		}
		return num, typ, 0, b[n : n+int(l)], b[n+int(l):], nil
	}
	return 0, 0, 0, nil, nil, errWire
}

// field returns the last length-delimited field num of message b (nil
// when absent), as protobuf's last-one-wins rule reads it.
func field(b []byte, num int) ([]byte, error) {
	var out []byte
	for len(b) > 0 {
		n, typ, _, data, rest, err := next(b)
		if err != nil {
			return nil, err
		}
		if n == num && typ == wireBytes {
			out = data
			if out == nil {
				out = []byte{}
			}
		}
		b = rest
	}
	return out, nil
}

// varintField returns the last varint field num of message b (0 when
// absent).
func varintField(b []byte, num int) (uint64, error) {
	var out uint64
	for len(b) > 0 {
		n, typ, v, _, rest, err := next(b)
		if err != nil {
			return 0, err
		}
		if n == num && typ == wireVarint {
			out = v
		}
		b = rest
	}
	return out, nil
}
