using System;
using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace Rampart
{
    /// <summary>
    /// Wraps any ADO.NET connection so that every command made from it is checked for SQL
    /// injection before it runs (<see cref="RampartDbCommand"/>). Use it where the
    /// application opens its connection:
    /// <code>using (var db = new RampartDbConnection(new SqliteConnection(cs))) { ... }</code>
    /// The dialect is guessed from the wrapped connection's type (Npgsql, MySql, Sqlite,
    /// SqlClient, Oracle; generic otherwise) unless given.
    /// </summary>
    public sealed class RampartDbConnection : DbConnection
    {
        /// <summary>The wrapped connection.</summary>
        public DbConnection Inner { get; }

        /// <summary>The dialect the commands' SQL is read in.</summary>
        public SqlDialect Dialect { get; }

        public RampartDbConnection(DbConnection inner, SqlDialect? dialect = null)
        {
            Inner = inner ?? throw new ArgumentNullException(nameof(inner));
            Dialect = dialect ?? GuessDialect(inner);
            Inner.StateChange += OnInnerStateChange;
        }

        private void OnInnerStateChange(object sender, StateChangeEventArgs e) => OnStateChange(e);

        /// <summary>The dialect of a connection type, from its name.</summary>
        public static SqlDialect GuessDialect(DbConnection connection)
        {
            string name = connection.GetType().FullName ?? string.Empty;
            if (name.IndexOf("Npgsql", StringComparison.OrdinalIgnoreCase) >= 0) return SqlDialect.PostgreSql;
            if (name.IndexOf("MySql", StringComparison.OrdinalIgnoreCase) >= 0) return SqlDialect.MySql;
            if (name.IndexOf("Sqlite", StringComparison.OrdinalIgnoreCase) >= 0) return SqlDialect.Sqlite;
            if (name.IndexOf("SqlClient", StringComparison.OrdinalIgnoreCase) >= 0) return SqlDialect.MsSql;
            if (name.IndexOf("Oracle", StringComparison.OrdinalIgnoreCase) >= 0) return SqlDialect.Oracle;
            return SqlDialect.Generic;
        }

        public override string ConnectionString
        {
            get => Inner.ConnectionString;
            set => Inner.ConnectionString = value;
        }

        public override int ConnectionTimeout => Inner.ConnectionTimeout;
        public override string Database => Inner.Database;
        public override string DataSource => Inner.DataSource;
        public override string ServerVersion => Inner.ServerVersion;
        public override ConnectionState State => Inner.State;

        public override void ChangeDatabase(string databaseName) => Inner.ChangeDatabase(databaseName);
        public override void Close() => Inner.Close();
        public override void Open() => Inner.Open();
        public override Task OpenAsync(CancellationToken cancellationToken) => Inner.OpenAsync(cancellationToken);

        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => Inner.BeginTransaction(isolationLevel);

        /// <summary>A checked command over one of the wrapped connection's.</summary>
        public new RampartDbCommand CreateCommand() => (RampartDbCommand)CreateDbCommand();

        protected override DbCommand CreateDbCommand() => new RampartDbCommand(Inner.CreateCommand(), this);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Inner.StateChange -= OnInnerStateChange;
                Inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A command whose text is checked, in the current request's context, right before each
    /// execution; on a block verdict it throws <see cref="RampartBlockedException"/> and the
    /// database never sees the query. Parameters are not checked: they cannot change the
    /// query's structure. Outside an HTTP request (no <see cref="RequestContext"/>) nothing is checked.
    /// </summary>
    public sealed class RampartDbCommand : DbCommand
    {
        private RampartDbConnection connection;

        /// <summary>The wrapped command.</summary>
        public DbCommand Inner { get; }

        /// <summary>The dialect its text is read in.</summary>
        public SqlDialect Dialect { get; set; }

        public RampartDbCommand(DbCommand inner, RampartDbConnection connection = null)
        {
            Inner = inner ?? throw new ArgumentNullException(nameof(inner));
            this.connection = connection;
            Dialect = connection?.Dialect ?? (inner.Connection != null ? RampartDbConnection.GuessDialect(inner.Connection) : SqlDialect.Generic);
        }

        private void Check(string operation)
        {
            RequestContext context = RequestContext.Current;
            if (context == null || Inner.CommandType != CommandType.Text) return;
            string text = Inner.CommandText;
            if (string.IsNullOrEmpty(text)) return;
            context.Sql(Dialect, text, operation);
        }

        public override string CommandText
        {
            get => Inner.CommandText;
            set => Inner.CommandText = value;
        }

        public override int CommandTimeout
        {
            get => Inner.CommandTimeout;
            set => Inner.CommandTimeout = value;
        }

        public override CommandType CommandType
        {
            get => Inner.CommandType;
            set => Inner.CommandType = value;
        }

        public override bool DesignTimeVisible
        {
            get => Inner.DesignTimeVisible;
            set => Inner.DesignTimeVisible = value;
        }

        public override UpdateRowSource UpdatedRowSource
        {
            get => Inner.UpdatedRowSource;
            set => Inner.UpdatedRowSource = value;
        }

        protected override DbConnection DbConnection
        {
            get => (DbConnection)connection ?? Inner.Connection;
            set
            {
                connection = value as RampartDbConnection;
                Inner.Connection = connection != null ? connection.Inner : value;
                if (connection != null) Dialect = connection.Dialect;
            }
        }

        protected override DbParameterCollection DbParameterCollection => Inner.Parameters;

        protected override DbTransaction DbTransaction
        {
            get => Inner.Transaction;
            set => Inner.Transaction = value;
        }

        public override void Cancel() => Inner.Cancel();
        protected override DbParameter CreateDbParameter() => Inner.CreateParameter();
        public override void Prepare() => Inner.Prepare();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
        {
            Check("DbCommand.ExecuteReader");
            return Inner.ExecuteReader(behavior);
        }

        public override int ExecuteNonQuery()
        {
            Check("DbCommand.ExecuteNonQuery");
            return Inner.ExecuteNonQuery();
        }

        public override object ExecuteScalar()
        {
            Check("DbCommand.ExecuteScalar");
            return Inner.ExecuteScalar();
        }

        protected override Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            // A blocked call is a faulted task, as any failure of an async database call.
            try { Check("DbCommand.ExecuteReaderAsync"); }
            catch (RampartBlockedException e) { return Task.FromException<DbDataReader>(e); }
            return Inner.ExecuteReaderAsync(behavior, cancellationToken);
        }

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
        {
            // A blocked call is a faulted task, as any failure of an async database call.
            try { Check("DbCommand.ExecuteNonQueryAsync"); }
            catch (RampartBlockedException e) { return Task.FromException<int>(e); }
            return Inner.ExecuteNonQueryAsync(cancellationToken);
        }

        public override Task<object> ExecuteScalarAsync(CancellationToken cancellationToken)
        {
            // A blocked call is a faulted task, as any failure of an async database call.
            try { Check("DbCommand.ExecuteScalarAsync"); }
            catch (RampartBlockedException e) { return Task.FromException<object>(e); }
            return Inner.ExecuteScalarAsync(cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
