/** Member and cluster IDs are derived as etcd derives them (values checked against etcd 3.4.23). */
import { describe, expect, it } from "vitest";
import { clusterId, hexId, memberId } from "../../../impl/server/ids.js";

describe("ids", () => {
  it("matches etcd 3.4 for a single member", () => {
    // etcd --name n1 --initial-advertise-peer-urls http://127.0.0.1:23802
    //      --initial-cluster n1=http://127.0.0.1:23802 (default token etcd-cluster):
    // member 185828541645115251, cluster 8140765981764738059 (as etcdctl member list -w json printed).
    const m = memberId(["http://127.0.0.1:23802"], "etcd-cluster");
    expect(m).toBe(185828541645115251n);
    expect(clusterId([m])).toBe(8140765981764738059n);
    expect(hexId(m)).toBe("2943212f5e2cf73");
  });

  it("does not depend on the order of peer URLs", () => {
    expect(memberId(["http://b:1", "http://a:1"], "t")).toBe(memberId(["http://a:1", "http://b:1"], "t"));
    expect(memberId(["http://a:1"], "t1")).not.toBe(memberId(["http://a:1"], "t2"));
  });
});
