// gogateway: the benchmark's Go baseline, the gateway a user would write instead of ackhook:
// net/http + nats.go, one js.Publish(subject, body, nats.MsgId(id)) per request inside its handler,
// 200 with the PubAck after it came, 500 when the publish failed. Not part of ackhook.
//
//	gogateway HTTP_PORT NATS_URL [SUBJECT]
//
// Built offline from Debian's golang-go and golang-github-nats-io-go-nats-dev (GOPATH mode,
// GO111MODULE=off; bench/targets.sh does it). Nats-Msg-Id = X-Event-Id when present.
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	if len(os.Args) < 3 {
		log.Fatal("usage: gogateway HTTP_PORT NATS_URL [SUBJECT]")
	}
	subject := "ackhook.webhook"
	if len(os.Args) > 3 {
		subject = os.Args[3]
	}
	nc, err := nats.Connect(os.Args[2], nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var opts []nats.PubOpt
		if id := r.Header.Get("X-Event-Id"); id != "" {
			opts = append(opts, nats.MsgId(id))
		}
		ack, err := js.Publish(subject, body, opts...)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "{\"error\":%q}", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"stream\":%q,\"seq\":%d,\"duplicate\":%t}", ack.Stream, ack.Sequence, ack.Duplicate)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Args[1], nil))
}
