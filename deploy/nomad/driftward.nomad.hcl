# driftward on Nomad: a periodic batch job, one allocation per shard
# (docs/scaling.md). The shard is the allocation's index, NOMAD_ALLOC_INDEX,
# 0 to count-1: keep `count` and the N of --shard I/N equal.
#
# Secrets come from Nomad Variables (or Vault) into each task's secrets/
# directory, which is private to the task and kept in memory:
#   nomad var put nomad/jobs/driftward key=@key.txt remote_key=@deploy_key \
#       contoso_age_b64="$(base64 -w0 secrets/contoso.age)"
job "driftward" {
  type = "batch"

  periodic {
    crons = ["7 * * * *"]
    # a run still going when the next is due keeps going; the next is skipped
    prohibit_overlap = true
    time_zone        = "UTC"
  }

  group "shard" {
    count = 4

    # a failed shard is tried again; its unpushed commits go with the retry
    restart {
      attempts = 2
      delay    = "1m"
      mode     = "fail"
    }
    reschedule {
      attempts  = 1
      interval  = "1h"
      unlimited = false
    }

    # The state repository stays between runs on a host volume (each shard
    # needs its tenants' previous snapshots; the image has no git to clone
    # one). Pin the job to the node(s) with the volume, or use a CSI volume
    # with access_mode "multi-node-multi-writer" for shards on several nodes.
    volume "state" {
      type   = "host"
      source = "driftward-state"
    }

    # A run of many tenants only compacts small packs (it shares the
    # repository with its own tenants all along); the roll-up past gc's
    # limits needs the repository alone and runs here, in a task of its own
    # before the shard's run. One shard's gc has it; the others' find it busy
    # and go on to their runs, which wait for it (docs/scaling.md).
    task "gc" {
      driver = "docker"
      user   = "65532:65532"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        image        = "registry.example.com/driftward:0.1.0"
        args         = ["--config", "/local/gc.ini", "--log-format", "json", "gc", "--auto"]
        readonly_rootfs = true
        cap_drop     = ["ALL"]
        security_opt = ["no-new-privileges"]
      }

      volume_mount {
        volume      = "state"
        destination = "/var/lib/driftward"
      }

      # the roll-up after a 10,000-tenant run (44 packs) peaked at 187 MiB
      # through libgit2's indexer, one of 98,675 objects at 29 MiB since
      # merges write their own index; most hours there is nothing to do
      resources {
        cpu        = 100
        memory     = 128
        memory_max = 512
      }

      # gc needs the repository only: no key, no secrets
      template {
        destination = "local/gc.ini"
        perms       = "0644"
        data        = <<-INI
          [agent]
          state_repo = /var/lib/driftward/state.git
          INI
      }
    }

    task "snapshot" {
      driver = "docker"
      user   = "65532:65532"

      config {
        image        = "registry.example.com/driftward:0.1.0"
        args         = ["--config", "/local/driftward.ini", "--log-format", "json",
                        "snapshot", "--shard", "${NOMAD_ALLOC_INDEX}/4"]
        readonly_rootfs = true
        cap_drop     = ["ALL"]
        security_opt = ["no-new-privileges"]
        mount {
          type   = "tmpfs"
          target = "/tmp"
          tmpfs_options { size = 268435456 }
        }
      }

      volume_mount {
        volume      = "state"
        destination = "/var/lib/driftward"
      }

      # sized from tests/bench/fleet (docs/scaling.md): 2,500 tenants a shard
      resources {
        cpu        = 1000
        memory     = 256
        memory_max = 512
      }

      template {
        destination = "local/driftward.ini"
        perms       = "0644"
        data        = <<-INI
          [agent]
          state_repo = /var/lib/driftward/state.git
          key_file = {{ env "NOMAD_SECRETS_DIR" }}/key.txt
          remote = git@github.com:example-msp/driftward-state.git
          remote_host_key = SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU
          remote_ssh_key = {{ env "NOMAD_SECRETS_DIR" }}/remote_key
          concurrency = 64
          tenant_concurrency = 4

          [tenant contoso]
          tenant_id = 6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
          client_id = 2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
          secret_file = {{ env "NOMAD_SECRETS_DIR" }}/contoso.age
          INI
      }

      # the key: 0600, the task's alone (driftward refuses anything wider)
      template {
        destination = "secrets/key.txt"
        perms       = "0600"
        uid         = 65532
        gid         = 65532
        data        = "{{ with nomadVar \"nomad/jobs/driftward\" }}{{ .key }}{{ end }}"
      }
      template {
        destination = "secrets/remote_key"
        perms       = "0600"
        uid         = 65532
        gid         = 65532
        data        = "{{ with nomadVar \"nomad/jobs/driftward\" }}{{ .remote_key }}{{ end }}"
      }
      template {
        destination = "secrets/contoso.age"
        perms       = "0400"
        uid         = 65532
        gid         = 65532
        data        = "{{ with nomadVar \"nomad/jobs/driftward\" }}{{ .contoso_age_b64 | base64Decode }}{{ end }}"
      }
    }
  }
}
