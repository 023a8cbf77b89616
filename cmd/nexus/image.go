package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"nexusos/internal/benchstat"
	"nexusos/microvm/image"
)

func init() {
	registerCommand(newImageCmd)
}

func newImageCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Move sealed images in and out as OCI images",
		Long: `image exports sealed images as OCI images and imports them back, so they
travel through containerd, OCI registries and the tools around them.

A NexusOS image is carried as an OCI artifact (docs/images.md): an image
manifest whose config is application/vnd.nexusos.image.config.v1+json and
whose one layer, application/vnd.nexusos.image.sealed.v1, is the sealed
image byte for byte, with its digest, tier, capabilities and signature as
io.nexusos.* annotations. The sealed image keeps its own digest and
signature: an import checks both, as run does.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newImageExportCmd(g), newImageImportCmd(g))
	return cmd
}

func newImageExportCmd(g *globalFlags) *cobra.Command {
	var out, ref string
	cmd := &cobra.Command{
		Use:   "export IMAGE|NAME --oci FILE [--ref REF]",
		Short: "Write a sealed image as an OCI image-layout archive",
		Long: `export writes the image as an OCI image layout in a tar archive: the
oci-layout file, index.json and blobs/sha256/..., holding one manifest
whose layer is the sealed image, unchanged. IMAGE is a name from 'nexus
images', a digest or digest prefix, or a sealed image file; it is
verified first, as run does.

index.json names the manifest with org.opencontainers.image.ref.name
REF, by default NAME:VERSION (NAME:latest when the image has no version
usable as a tag); containerd lists the image under that name. The archive
depends only on the image and REF: exporting twice gives the same bytes.
FILE "-" writes to stdout; otherwise the file appears complete or not at
all.

containerd takes the archive with --no-unpack (the layer is a sealed
image, not a root file system to unpack):
  ctr image import --no-unpack hello.tar

Examples:
  nexus image export hello --oci hello.tar
  nexus image export hello --oci hello.tar --ref nexusos/hello:1.0
  nexus image export ./hello.nxi --oci - | ssh host nexus image import -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if out == "" {
				return fmt.Errorf("--oci FILE is required (the archive to write)")
			}
			img, err := loadImage(g, a[0], nil)
			if err != nil {
				return err
			}
			if ref == "" {
				ref = image.DefaultOCIRef(img)
			}
			if !image.ValidOCIRef(ref) {
				return fmt.Errorf("reference %q is not a valid OCI reference name (alphanumerics joined by one of -._:@+ or --, components by /); set one with --ref", ref)
			}
			if out == "-" {
				_, err = image.WriteOCI(cmd.OutOrStdout(), img, ref)
				return err
			}
			var manifest string
			err = writeFileAtomic(out, func(w io.Writer) error {
				manifest, err = image.WriteOCI(w, img, ref)
				return err
			})
			if err != nil {
				return err
			}
			st, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %s %s as %s (OCI manifest %s, %s) to %s\n",
				img.Manifest.Name, img.Digest, ref, manifest, benchstat.Bytes(st.Size()), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "oci", "", "write an OCI image-layout tar archive to FILE (- for stdout)")
	cmd.Flags().StringVar(&ref, "ref", "", "reference name in index.json (default NAME:VERSION or NAME:latest)")
	return cmd
}

func newImageImportCmd(g *globalFlags) *cobra.Command {
	var (
		ref   string
		trust []string
	)
	cmd := &cobra.Command{
		Use:   "import [--trust KEY]... [--ref REF] FILE|DIR|-",
		Short: "Store the sealed images of an OCI image layout",
		Long: `import reads an OCI image layout, a tar archive (from 'nexus image export'
or 'ctr image export') or a directory in OCI layout (a local registry
directory, as 'oras' or 'skopeo copy ... oci:DIR' write it; "-" reads
the archive from stdin, spooled to a temporary file), and stores
each NexusOS image it holds as build does: under its digest, with its
name pointing at it.

Every blob read is checked against its digest and size, each sealed image
is decoded and its signature verified as run does, and the manifest's
config and annotations must agree with the sealed image. Sizes and counts
are bounded before anything is read; archive entries that are links,
devices, duplicates or paths leaving the layout are refused. Manifests of
other kinds (container images) are skipped. Everything is checked before
anything is stored: on any error, nothing is imported.

With --trust, each image must be signed by one of the keys. With --ref,
only the manifest with that reference name is imported.

Examples:
  nexus image import hello.tar
  nexus image import --trust release hello.tar
  nexus image import --ref hello:1.0 ./registry-dir
  ctr image export hello.tar hello:latest && nexus image import hello.tar`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			var keys []ed25519.PublicKey
			for _, t := range trust {
				p, err := keyPath(g, t, ".key.pub")
				if err != nil {
					return fmt.Errorf("--trust: %w", err)
				}
				k, err := image.ReadPublicKey(p)
				if err != nil {
					return fmt.Errorf("--trust: %w", err)
				}
				keys = append(keys, k)
			}
			path := a[0]
			if path == "-" {
				tmp, err := spoolStdin(cmd.InOrStdin(), image.MaxOCIArchive)
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				path = tmp
			}
			imgs, err := image.ReadOCI(path, ref, keys...)
			if err != nil {
				return err
			}
			store, err := openImageStore(g)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, img := range imgs {
				if err := store.Put(img.Image); err != nil {
					return err
				}
				signed := "unsigned"
				if img.Signature != nil {
					signed = "signed by " + img.Signature.KeyID()
				}
				from := img.ManifestDigest
				if img.Ref != "" {
					from = img.Ref + " (" + from + ")"
				}
				fmt.Fprintf(w, "imported %s %s (tier %s, %s) from %s\n", img.Manifest.Name, img.Digest, img.Manifest.Tier, signed, from)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&ref, "ref", "", "import only the manifest with this reference name (org.opencontainers.image.ref.name)")
	cmd.Flags().StringArrayVar(&trust, "trust", nil, "require a signature by this public key (a file, or a name under --home/keys; repeatable)")
	return cmd
}

// writeFileAtomic writes path through write: to a temporary file beside
// it, synced and renamed into place, so path is complete or absent.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// spoolStdin copies r, at most max bytes, to a temporary file (the
// importer reads an archive at random) and returns its path.
func spoolStdin(r io.Reader, max int64) (string, error) {
	f, err := os.CreateTemp("", "nexus-import-*.tar")
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = fmt.Errorf("archive above the %s limit", benchstat.Bytes(max))
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return f.Name(), nil
}
