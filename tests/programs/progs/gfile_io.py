# expect: rtol=0 atol=0 -- file names and contents only
# tf.gfile: MakeDirs, GFile write/read, Exists, Glob, ListDirectory, Remove,
# DeleteRecursively.
import tensorflow as tf

tf.gfile.MakeDirs("out/sub")
with tf.gfile.GFile("out/sub/a.txt", "w") as f:
    f.write("alpha\nbeta\n")
with tf.gfile.FastGFile("out/b.txt", "w") as f:
    f.write("gamma")
print(
    tf.gfile.Exists("out/sub/a.txt"),
    tf.gfile.Exists("out/missing"),
    tf.gfile.IsDirectory("out/sub"),
)
with tf.gfile.GFile("out/sub/a.txt") as f:
    print([line.strip() for line in f])
print(sorted(tf.gfile.Glob("out/*.txt")), sorted(tf.gfile.ListDirectory("out")))
tf.gfile.Remove("out/b.txt")
print(sorted(tf.gfile.ListDirectory("out")))
tf.gfile.DeleteRecursively("out")
print(tf.gfile.Exists("out"))
try:
    tf.gfile.Remove("out/nothing.txt")
except tf.errors.NotFoundError:
    print("NotFoundError")
