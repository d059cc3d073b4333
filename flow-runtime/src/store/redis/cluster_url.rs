//! Redis Cluster URLs: `redis+cluster://[user:password@]host:port,host:port,...`.
//!
//! One URL names the seed nodes a client asks for the slot map; the user and password (a
//! Redis ACL user, or only a password for `requirepass`) apply to every node. Errors say
//! what is wrong with the URL itself, before anything connects.

const SCHEME: &str = "redis+cluster://";
const TLS_SCHEME: &str = "rediss+cluster://";

/// Whether `url` names a Redis Cluster rather than one server.
pub(super) fn is_cluster(url: &str) -> bool {
    url.starts_with(SCHEME) || url.starts_with(TLS_SCHEME)
}

/// The seed nodes of a cluster URL, each as a `redis://[user:password@]host:port` URL.
pub(super) fn nodes(url: &str) -> Result<Vec<String>, String> {
    if url.starts_with(TLS_SCHEME) {
        return Err("TLS to a Redis Cluster (`rediss+cluster://`) is not supported yet: use `redis+cluster://` on a private network, or `rediss://` to one server".to_owned());
    }
    let Some(rest) = url.strip_prefix(SCHEME) else {
        return Err(format!(
            "a Redis Cluster URL starts with `{SCHEME}`: `{SCHEME}host:port,host:port`"
        ));
    };
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    if let Some(parameter) = query.split('&').find(|pair| !pair.is_empty()) {
        let name = parameter.split('=').next().unwrap_or(parameter);
        return Err(format!(
            "unknown parameter `{name}` in a Redis Cluster URL (only `prefix=NAME` is read)"
        ));
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (user_info, hosts) = match rest.rsplit_once('@') {
        Some((user_info, hosts)) => (Some(user_info), hosts),
        None => (None, rest),
    };
    if hosts.contains('/') {
        return Err(
            "a Redis Cluster has only database 0: drop the `/N` after the nodes".to_owned(),
        );
    }
    let mut nodes = Vec::new();
    for node in hosts.split(',').map(str::trim) {
        if node.is_empty() {
            continue;
        }
        let port_is_number = node
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_is_number {
            return Err(format!(
                "the cluster node `{node}` needs a host and a port: `127.0.0.1:7001`"
            ));
        }
        nodes.push(match user_info {
            Some(user_info) => format!("redis://{user_info}@{node}"),
            None => format!("redis://{node}"),
        });
    }
    if nodes.is_empty() {
        return Err(format!(
            "a Redis Cluster URL names at least one node: `{SCHEME}127.0.0.1:7001,127.0.0.1:7002`"
        ));
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_gets_the_user_and_password() {
        assert_eq!(
            nodes("redis+cluster://app:s3cret@10.0.0.1:7001,10.0.0.2:7002/").unwrap(),
            vec![
                "redis://app:s3cret@10.0.0.1:7001",
                "redis://app:s3cret@10.0.0.2:7002"
            ]
        );
        assert_eq!(
            nodes("redis+cluster://127.0.0.1:7001").unwrap(),
            vec!["redis://127.0.0.1:7001"]
        );
    }

    #[test]
    fn malformed_cluster_urls_say_what_is_wrong() {
        let error = |url: &str| nodes(url).unwrap_err();
        assert!(error("redis+cluster://").contains("at least one node"));
        assert!(error("redis+cluster://127.0.0.1").contains("needs a host and a port"));
        assert!(error("redis+cluster://h:1,h:x").contains("`h:x`"));
        assert!(error("redis+cluster://h:1/2").contains("only database 0"));
        assert!(error("redis+cluster://h:1?db=2").contains("unknown parameter `db`"));
        assert!(error("rediss+cluster://h:1").contains("not supported yet"));
        assert!(is_cluster("redis+cluster://h:1") && !is_cluster("redis://h:1"));
    }
}
